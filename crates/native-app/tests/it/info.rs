use native_app::{AppConfig, ErrorBody, ErrorCode, NativeApp};
use native_core::ProviderKind;
use native_testkit::Stack;

#[tokio::test]
async fn app_info_and_server_status_against_a_stack() {
    let stack = Stack::start().await.expect("stack");
    let config = AppConfig::parse(
        Some(stack.supabase_url()),
        Some(stack.anon_key()),
        Some(stack.native_api_url()),
    )
    .expect("config");
    let app = NativeApp::new(config).expect("app");
    let info = app.app_info();
    assert_eq!(info.name, "Native AI");
    assert_eq!(
        info.supabase_url
            .as_deref()
            .map(|u| u.trim_end_matches('/')),
        Some(stack.supabase_url().trim_end_matches('/'))
    );
    let status = app.server_status().await.expect("status");
    assert_eq!(status.provider, ProviderKind::Demo);
}

#[tokio::test]
async fn an_unconfigured_app_says_so() {
    let app = NativeApp::new(AppConfig::default()).expect("app");
    let err = ErrorBody::from(app.server_status().await.expect_err("no server configured"));
    assert_eq!(err.code, ErrorCode::NotConfigured);
    assert!(err.message.contains("NATIVE_API_URL"));
}
