//! The sign-in form's two inputs, validated once at the edge: an e-mail
//! address and a password. Code holding an [`EmailAddress`] or a [`Password`]
//! knows it is worth sending to the Auth server, so obviously bad input never
//! costs a request (or a rate-limit slot).

use crate::CoreError;

/// The longest address SMTP can carry (RFC 5321: a 254-character path).
const MAX_EMAIL_LEN: usize = 254;
/// Supabase Auth's default minimum password length.
const MIN_PASSWORD_CHARS: usize = 6;
/// bcrypt ignores everything past 72 bytes; GoTrue refuses longer passwords.
const MAX_PASSWORD_CHARS: usize = 72;

/// A plausible e-mail address: trimmed, exactly one `@` with text on both
/// sides, a dot inside the domain, no whitespace, at most 254 characters. The
/// domain is lowercased (domains are case-insensitive; local parts are not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let text = raw.trim();
        let invalid = || CoreError::InvalidEmail;
        if text.is_empty() || text.len() > MAX_EMAIL_LEN || text.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password of 6 to 72 characters. Its `Debug` prints `***` so that a
/// struct holding one can derive `Debug` and still be logged safely; there is
/// deliberately no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        // Not trimmed: spaces are legitimate password characters.
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(CoreError::PasswordTooShort(MIN_PASSWORD_CHARS));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(CoreError::PasswordTooLong(MAX_PASSWORD_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for the request body that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_their_domain_lowercased() {
        let email = EmailAddress::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace@example.com");
        assert_eq!(email.to_string(), "Ada.Lovelace@example.com");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "   ",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a@b@example.com",
            "ada lovelace@example.com",
            "ada@.example.com",
            "ada@example.com.",
            "ada@example..com",
            long.as_str(),
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(CoreError::InvalidEmail),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_have_bounded_length_counted_in_characters() {
        assert_eq!(
            Password::parse("12345"),
            Err(CoreError::PasswordTooShort(6))
        );
        assert!(Password::parse("123456").is_ok());
        assert!(Password::parse(&"é".repeat(72)).is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(73)),
            Err(CoreError::PasswordTooLong(72))
        );
        assert_eq!(
            Password::parse(" spaced out ").unwrap().expose(),
            " spaced out "
        );
    }

    #[test]
    fn a_password_never_prints() {
        let password = Password::parse("hunter22-secret").unwrap();
        assert_eq!(format!("{password:?}"), "***");
        let error = Password::parse("abc").unwrap_err().to_string();
        assert!(!error.contains("abc"), "{error}");
    }
}
