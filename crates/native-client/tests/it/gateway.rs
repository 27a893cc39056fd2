use native_client::{ClientError, GatewayClient};
use native_core::ProviderKind;
use native_testkit::Stack;

#[tokio::test]
async fn health_reports_the_provider() {
    let stack = Stack::start().await.expect("stack");
    let client = GatewayClient::new(stack.native_api_url().parse().expect("url")).expect("client");
    let health = client.health().await.expect("health");
    assert_eq!(health.status, "ok");
    assert_eq!(health.provider, ProviderKind::Demo);
}

#[tokio::test]
async fn an_unreachable_server_is_offline() {
    // Port 9 on loopback (discard) has no listener here.
    let client = GatewayClient::new("http://127.0.0.1:9/".parse().expect("url")).expect("client");
    assert!(matches!(
        client.health().await,
        Err(ClientError::Offline(_))
    ));
}
