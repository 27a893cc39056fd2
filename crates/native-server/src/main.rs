use native_server::{Application, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    native_server::startup::init_tracing();
    let app = Application::build(Settings::from_env()?).await?;
    app.run_until_stopped(native_server::startup::shutdown_signal())
        .await
}
