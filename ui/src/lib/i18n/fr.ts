// The French catalogue. Its type is `Catalogue`, so a missing or extra key is
// a compile error (and `i18n.test.ts` checks the same at run time).
import type { Catalogue } from './en';

export const fr = {
  'app.name': 'Native AI',
  'app.loadFailed': "L'application n'a pas pu joindre son propre moteur. Redémarrez-la ; si le problème persiste, réinstallez-la.",

  'header.demo': 'Démo',
  'header.demoHint': "Les réponses viennent d'un fournisseur de démonstration scripté, pas d'un vrai modèle.",
  'header.about': 'À propos',

  'sidebar.label': 'Conversations et réglages',
  'sidebar.conversations': 'Conversations',
  'sidebar.empty': 'Vos conversations apparaîtront ici une fois connecté.',

  'settings.title': 'Réglages',
  'settings.language': 'Langue',
  'settings.language.system': 'Système',
  'settings.language.en': 'English',
  'settings.language.fr': 'Français',
  'settings.theme': 'Thème',
  'settings.theme.system': 'Système',
  'settings.theme.light': 'Clair',
  'settings.theme.dark': 'Sombre',

  'signin.title': 'Connexion à Native AI',
  'signin.subtitle': 'Utilisez votre compte Native AI. Votre historique reste lisible, même hors ligne.',
  'signin.email': 'E-mail',
  'signin.emailPlaceholder': 'vous@exemple.fr',
  'signin.password': 'Mot de passe',
  'signin.submit': 'Se connecter',
  'signin.comingSoon': 'La connexion arrive dans la prochaine version.',

  'about.title': 'À propos de {name}',
  'about.version': 'Version',
  'about.supabaseUrl': 'URL Supabase',
  'about.nativeApiUrl': "URL de l'API Native",
  'about.notConfigured': 'Non configurée',
  'about.server': 'Serveur',
  'about.recheck': 'Vérifier à nouveau',
  'about.close': 'Fermer',

  'status.checking': 'Vérification…',
  'status.reachable': 'Joignable',
  'status.unreachable': 'Injoignable',
  'status.provider': 'Fournisseur',
  'status.model': 'Modèle',
  'status.serverVersion': 'Version du serveur',

  'provider.mistral': 'Mistral',
  'provider.open_ai_compatible': 'Compatible OpenAI',
  'provider.demo': 'Démo (scriptée)',

  'error.offline': 'Le serveur Native AI est injoignable. Vérifiez votre connexion et réessayez.',
  'error.unauthorized': 'Votre session a expiré. Reconnectez-vous.',
  'error.invalid_input': "La requête n'a pas été acceptée. Vérifiez votre saisie.",
  'error.not_found': "Cet élément n'existe plus.",
  'error.rate_limited': 'Trop de requêtes. Patientez un instant puis réessayez.',
  'error.not_configured': "L'adresse du serveur n'est pas configurée pour cette installation.",
  'error.server': 'Le serveur Native AI a rencontré un problème. Réessayez dans un instant.',
  'error.internal': "Une erreur interne s'est produite dans l'application. Réessayez ; redémarrez l'application si elle persiste.",
} as const satisfies Catalogue;
