//! The `ordergraph` binary: loads `.env`, sets up logging, reads the config and
//! runs one CLI command (`serve` when none is given).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use migration::sea_orm_migration::MigrationStatus;
use migration::{Migrator, MigratorTrait};

use ordergraph::app::{self, App};
use ordergraph::auth::jwt::JwtKeys;
use ordergraph::auth::{Principal, Role};
use ordergraph::config::Config;
use ordergraph::{db, graphql, telemetry};

#[derive(Parser)]
#[command(
    name = "ordergraph",
    version,
    about = "Order-management server speaking GraphQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default): migrations first, then HTTP and WebSocket.
    Serve,
    /// Apply, revert or inspect database migrations.
    Migrate {
        #[arg(value_enum, default_value_t = MigrateAction::Up)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL); schema.graphql is this output.
    Schema,
    /// Manage API keys (stored hashed; a key is shown once, at creation).
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// Print a signed JWT (with JWT_SECRET, or the dev secret in the database).
    Token {
        /// admin, staff, integration or customer.
        #[arg(long)]
        role: Role,
        /// The customer a customer token acts as (required for customers): its
        /// id as GraphQL shows it, or its database id.
        #[arg(long, value_parser = customer_id)]
        customer: Option<i64>,
        /// How long the token is valid, e.g. 1h, 30m, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// The token's subject (`sub`); defaults to "cli-<role>".
        #[arg(long)]
        subject: Option<String>,
    },
}

#[derive(Subcommand)]
enum ApiKeyAction {
    /// Create a key; the key itself is the last word printed.
    Create {
        /// A name to recognise the key by (shown in order histories).
        #[arg(long)]
        name: String,
        /// admin, staff or integration.
        #[arg(long, default_value = "integration")]
        role: Role,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again. Destroys all data.
    Fresh,
}

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a broken one is worth a word.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("warning: cannot read .env: {err}");
    }
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: configuration: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate { action } => migrate(config, action).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::ApiKey {
            action: ApiKeyAction::Create { name, role },
        } => api_key_create(config, &name, role).await,
        Command::Token {
            role,
            customer,
            ttl,
            subject,
        } => token(config, role, customer, ttl, subject).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// `--customer`: a customer's global id or database id.
fn customer_id(raw: &str) -> Result<i64, String> {
    ordergraph::ids::database_id(raw, ordergraph::ids::NodeKind::Customer)
}

async fn serve(config: Config) -> CliResult {
    let app = App::build(config).await?;
    let addr = app.local_addr();
    tracing::info!(%addr, "ordergraph listening");
    println!("ordergraph is listening on http://{addr}");
    println!("  playground:   http://{addr}/");
    println!("  GraphQL:      http://{addr}/graphql  (WebSocket: ws://{addr}/graphql/ws)");
    if let Some(token) = app.dev_admin_token() {
        tracing::warn!(
            "JWT_SECRET is not set: dev mode, with a generated secret kept in the database"
        );
        println!("  dev mode: JWT_SECRET is not set. Admin token (valid 30 days), for the");
        println!("  playground's headers as {{\"Authorization\": \"Bearer <token>\"}}:");
        println!();
        println!("{token}");
        println!();
    }
    app.run_until(app::shutdown_signal()).await?;
    tracing::info!("ordergraph stopped");
    Ok(())
}

async fn migrate(config: Config, action: MigrateAction) -> CliResult {
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    match action {
        MigrateAction::Up => Migrator::up(&db, None).await?,
        MigrateAction::Down => Migrator::down(&db, Some(1)).await?,
        MigrateAction::Fresh => Migrator::fresh(&db).await?,
        MigrateAction::Status => {}
    }
    for migration in Migrator::get_migration_with_status(&db).await? {
        let status = match migration.status() {
            MigrationStatus::Applied => "applied",
            MigrationStatus::Pending => "pending",
        };
        println!("{status:8} {}", migration.name());
    }
    Ok(())
}

async fn api_key_create(config: Config, name: &str, role: Role) -> CliResult {
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    Migrator::up(&db, None).await?;
    let db = db::Db::new(db);
    let (row, key) = ordergraph::auth::keys::create_api_key(&db, name, role)
        .await
        .map_err(|err| err.message())?;
    println!(
        "Created API key {} \"{}\" ({}). It is shown only now: {key}",
        row.id,
        row.name,
        role.as_str()
    );
    Ok(())
}

async fn token(
    config: Config,
    role: Role,
    customer: Option<i64>,
    ttl: Duration,
    subject: Option<String>,
) -> CliResult {
    if role == Role::Customer && customer.is_none() {
        return Err("a customer token needs --customer <ID>".into());
    }
    let secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            // Dev mode: the secret lives in the database the server uses.
            let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
            Migrator::up(&db, None).await?;
            app::resolve_jwt_secret(&config, &db).await?.0
        }
    };
    let keys = JwtKeys::new(
        secret.expose(),
        config.jwt_issuer.clone(),
        config.jwt_audience.clone(),
    );
    let principal = Principal {
        role,
        subject: subject.unwrap_or_else(|| format!("cli-{}", role.as_str())),
        customer_id: customer,
    };
    println!("{}", keys.sign(&principal, ttl)?);
    Ok(())
}
