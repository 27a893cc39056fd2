#[tokio::main]
async fn main() -> anyhow::Result<()> {
    native_server::startup::init_tracing();
    native_server::cli::run(std::env::args().skip(1)).await
}
