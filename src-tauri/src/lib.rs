//! The Native AI desktop app's Tauri shell: the window, the plugins, the
//! capabilities, and one `#[tauri::command]` per facade function.
//!
//! It must stay thin: a command takes typed arguments and `State`, calls one
//! function of `native-app`, and maps the error to `ErrorBody`. No SQL, no
//! HTTP and no business rule lives here (an ARCHITECTURE.md invariant,
//! checked over `cargo metadata`).

mod attachments;
mod auth;
mod billing;
mod bindings;
mod broadcast;
mod chat;
mod commands;
mod history;
mod linux_env;

use native_app::{AppConfig, NativeApp};
use tauri::Manager;
use tauri_plugin_window_state::StateFlags;

pub use bindings::specta_builder;

/// Starts the app; returns when the last window closes. Call it first thing
/// in `main`, before any thread starts (it sets environment variables).
pub fn run() {
    linux_env::apply_webkit_workarounds();
    init_tracing();
    let builder = specta_builder();
    let invoke_handler = builder.invoke_handler();
    let result = tauri::Builder::default()
        // Must be the first plugin: a second launch focuses this window and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            commands::focus_main_window(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        // Right after deep-link, whose links `auth::start` follows.
        .plugin(facade_plugin(builder))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        // Its size and place are restored, its visibility is not: the window
        // starts hidden and is shown once its page has loaded (`show_window`).
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .invoke_handler(invoke_handler)
        .on_page_load(|webview, load| {
            if load.event() == tauri::webview::PageLoadEvent::Finished {
                show_window(&webview.window());
            }
        })
        .setup(|app| {
            register_link_scheme(app.handle());
            history::start(app.handle());
            billing::start(app.handle());
            attachments::start(app.handle());
            show_window_anyway(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            // Coming back to the window is when other devices' changes matter.
            match event {
                tauri::WindowEvent::Focused(true) => window.state::<NativeApp>().request_sync(),
                tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) => {
                    attachments::dropped(window.app_handle(), paths.clone());
                }
                _ => {}
            }
        })
        .run(tauri::generate_context!());
    if let Err(err) = result {
        tracing::error!(error = %err, "the app stopped with an error");
        std::process::exit(1);
    }
}

/// Builds the facade and starts restoring the session as a plugin, not in
/// the setup hook: Tauri sets its plugins up before it creates the
/// config's window, and the setup hook runs after, 100-180 ms after
/// `run()`. Started here, the keychain read and the launch state's read
/// (`auth::start`) run on the idle second core while the window and
/// WebKit's processes are being created, instead of racing the page for
/// its first question (BENCHMARKS.md, "The restore before the window").
/// The facade is built here, not before `run`: the data folder comes from
/// Tauri's path resolver. Commands cannot run before setup returns.
fn facade_plugin(
    events: tauri_specta::Builder<tauri::Wry>,
) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri::plugin::Builder::new("native-facade")
        .setup(move |app, _api| {
            app.manage(build_facade(app.path().app_data_dir().ok()));
            events.mount_events(app);
            auth::start(app);
            Ok(())
        })
        .build()
}

/// Shows the main window, which is created hidden (`tauri.conf.json`) and
/// shown once its page has loaded (`on_page_load`).
/// Mapped at once, its first draw could come while WebKit's web process was
/// still starting or loading the page: GTK's main thread then waited for the
/// web process, which was waiting for the main thread, until WebKit's 500 ms
/// timeout broke the wait, and half the launches reached their page half a
/// second late (BENCHMARKS.md). Shown when the load starts, the same wait
/// still struck; shown once it has finished, it never did. Showing a
/// visible window again does nothing.
fn show_window(window: &tauri::Window) {
    if let Err(err) = window.show() {
        tracing::warn!(error = %err, "could not show the window");
    }
}

/// A page that never finishes loading (a web process that failed to start)
/// must not leave an invisible app running: the window is shown after
/// `SHOW_ANYWAY_AFTER` whatever happened.
fn show_window_anyway(handle: &tauri::AppHandle) {
    const SHOW_ANYWAY_AFTER: std::time::Duration = std::time::Duration::from_secs(3);
    let handle = handle.clone();
    std::thread::spawn(move || {
        std::thread::sleep(SHOW_ANYWAY_AFTER);
        if let Some(window) = handle.get_webview_window("main") {
            show_window(&window.as_ref().window());
        }
    });
}

/// Installed packages declare `native-ai://` in their desktop entry; a
/// development build registers itself so links reach it too.
fn register_link_scheme(handle: &tauri::AppHandle) {
    #[cfg(all(debug_assertions, any(target_os = "linux", windows)))]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        if let Err(err) = handle.deep_link().register_all() {
            tracing::warn!(error = %err, "could not register the native-ai:// scheme");
        }
    }
    #[cfg(not(all(debug_assertions, any(target_os = "linux", windows))))]
    let _ = handle;
}

/// A bad configuration must not keep the window from opening: the app
/// starts unconfigured and the UI says what is missing.
fn build_facade(data_dir: Option<std::path::PathBuf>) -> NativeApp {
    AppConfig::from_env()
        .and_then(NativeApp::new)
        .and_then(|app| match data_dir {
            Some(dir) => app.with_data_dir(dir),
            None => Ok(app),
        })
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, "invalid backend configuration");
            NativeApp::unconfigured()
        })
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        // The PDF libraries' warnings can quote a document's contents: an
        // attached file never reaches the log, whatever RUST_LOG says.
        .add_directive("pdf_extract=off".parse().expect("a valid directive"))
        .add_directive("lopdf=off".parse().expect("a valid directive"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
    quiet_pdf_panics();
}

/// `native-files` catches the PDF libraries' panics, but the default hook
/// would still print each one, and their messages can quote a document.
/// Panics on its PDF thread stay silent; every other one is reported.
fn quiet_pdf_panics() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(native_app::PDF_THREAD_NAME) {
            report(info);
        }
    }));
}
