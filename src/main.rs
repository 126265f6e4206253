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

// See Cargo.toml: glibc's malloc cost the server a fifth of its CPU per request.
// The `system-allocator` feature keeps the system's, for heap profilers that
// hook malloc (heaptrack): mimalloc takes its memory straight from mmap.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// With `fresh`: do not ask for confirmation (scripts, CI).
        #[arg(long)]
        yes: bool,
    },
    /// Print the GraphQL schema (SDL); schema.graphql is this output.
    Schema,
    /// Manage API keys (stored hashed; a key is shown once, at creation).
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// Manage trusted documents (GRAPHQL_TRUSTED_DOCUMENTS=on runs only these).
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
    /// Import orders from a file (JSON array, NDJSON or CSV), in batches
    /// through importOrders. Exit code 0: every order imported or known;
    /// 1: some orders failed; 2: stopped early or could not start.
    Import(ordergraph::imports::command::ImportArgs),
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
    /// List every key (newest first): id, name, role, created, last used,
    /// revoked. Never a secret.
    List,
    /// Revoke a key at once (its id as `list` or GraphQL shows it).
    Revoke {
        /// The key's id: its global id or its database id.
        id: String,
    },
}

#[derive(Subcommand)]
enum DocumentsAction {
    /// Register the operations in FILEs: `.graphql` files (one document
    /// each) or JSON manifests (Apollo's persisted query manifest, or an
    /// object of id to document). Already registered ones stay.
    Register {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// List every registered document: id, name, registered by and when.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Revert every migration and apply them again. Destroys all data; asks
    /// first (or pass --yes).
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
    let command = cli.command.unwrap_or(Command::Serve);
    // Traces are for the server; the other commands only log.
    let traces = if matches!(command, Command::Serve) {
        match telemetry::init_with_traces(&config) {
            Ok(traces) => Some(traces),
            Err(err) => {
                eprintln!("error: traces: {err}");
                return ExitCode::from(2);
            }
        }
    } else {
        telemetry::init(config.log_format);
        None
    };
    let result = match command {
        Command::Serve => serve(config).await,
        Command::Migrate { action, yes } => migrate(config, action, yes).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::ApiKey {
            action: ApiKeyAction::Create { name, role },
        } => api_key_create(config, &name, role).await,
        Command::ApiKey {
            action: ApiKeyAction::List,
        } => api_key_list(config).await,
        Command::ApiKey {
            action: ApiKeyAction::Revoke { id },
        } => api_key_revoke(config, &id).await,
        Command::Documents {
            action: DocumentsAction::Register { files },
        } => documents_register(config, &files).await,
        Command::Documents {
            action: DocumentsAction::List,
        } => documents_list(config).await,
        Command::Token {
            role,
            customer,
            ttl,
            subject,
        } => token(config, role, customer, ttl, subject).await,
        Command::Import(args) => return import(config, args).await,
    };
    // After the server drained: the last requests' spans go out too.
    if let Some(traces) = traces {
        traces.shutdown().await;
    }
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

async fn migrate(config: Config, action: MigrateAction, yes: bool) -> CliResult {
    if matches!(action, MigrateAction::Fresh) && !yes && !confirm_fresh(&config.database_url)? {
        return Err("not confirmed; nothing was changed".into());
    }
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    match action {
        MigrateAction::Up => Migrator::up(&db, None).await?,
        MigrateAction::Down => Migrator::down(&db, Some(1)).await?,
        // Every migration reverted, then applied: sea-orm's `fresh` drops
        // tables only and would leave PostgreSQL's order-number sequence
        // behind, failing the first migration.
        MigrateAction::Fresh => Migrator::refresh(&db).await?,
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

/// Asks on the terminal before `migrate fresh` wipes the database. Without a
/// terminal (a script) there is no one to ask: refused unless `--yes`.
fn confirm_fresh(database_url: &str) -> Result<bool, Box<dyn std::error::Error>> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(
            "`migrate fresh` destroys every row; pass --yes to confirm from a script".into(),
        );
    }
    let shown = database_url
        .split_once('@')
        .map_or(database_url, |(_, host)| host);
    print!(
        "`migrate fresh` drops every table of {shown} and all its data. Type \"yes\" to go on: "
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

async fn api_key_list(config: Config) -> CliResult {
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    Migrator::up(&db, None).await?;
    let db = db::Db::new(db);
    let rows = ordergraph::auth::keys::list_api_keys(&db)
        .await
        .map_err(|err| err.message())?;
    let stamp = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%dT%H:%MZ").to_string(),
        )
    };
    println!(
        "{:<6} {:<12} {:<24} {:<18} {:<18} REVOKED",
        "ID", "ROLE", "NAME", "CREATED", "LAST USED"
    );
    for row in rows {
        println!(
            "{:<6} {:<12} {:<24} {:<18} {:<18} {}",
            row.id,
            row.role.as_str(),
            row.name,
            stamp(Some(row.created_at)),
            stamp(row.last_used_at),
            stamp(row.revoked_at)
        );
    }
    Ok(())
}

async fn documents_register(config: Config, files: &[std::path::PathBuf]) -> CliResult {
    use ordergraph::graphql::trusted;
    let mut documents = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        documents.extend(trusted::read_file(&file.display().to_string(), &text)?);
    }
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    Migrator::up(&db, None).await?;
    let db = db::Db::new(db);
    let mut registered = 0;
    for chunk in documents.chunks(trusted::MAX_REGISTER) {
        let rows = trusted::register(&db, "cli", chunk.to_vec())
            .await
            .map_err(|err| err.message())?;
        for row in &rows {
            println!("sha256:{} {}", row.hash, row.name.as_deref().unwrap_or("-"));
        }
        registered += rows.len();
    }
    eprintln!("{registered} document(s) registered");
    Ok(())
}

async fn documents_list(config: Config) -> CliResult {
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    Migrator::up(&db, None).await?;
    let db = db::Db::new(db);
    let rows = ordergraph::graphql::trusted::list(&db)
        .await
        .map_err(|err| err.message())?;
    for row in rows {
        println!(
            "sha256:{} {:<24} {:<24} {}",
            row.hash,
            row.name.as_deref().unwrap_or("-"),
            row.created_by,
            row.created_at.format("%Y-%m-%dT%H:%MZ")
        );
    }
    Ok(())
}

async fn api_key_revoke(config: Config, id: &str) -> CliResult {
    let id = ordergraph::ids::database_id(id, ordergraph::ids::NodeKind::ApiKey)?;
    let db = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
    Migrator::up(&db, None).await?;
    let db = db::Db::new(db);
    let revoked = ordergraph::auth::keys::revoke_api_key(&db, id)
        .await
        .map_err(|err| err.message())?;
    if !revoked {
        return Err(format!("no active API key {id}").into());
    }
    println!("Revoked API key {id}");
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

async fn import(config: Config, args: ordergraph::imports::command::ImportArgs) -> ExitCode {
    use ordergraph::imports::command::{self, EXIT_STOPPED};
    // One connection: batches run one after the other, each in its own
    // transaction.
    let db = match db::connect(&config.database_url, 1, db::PoolLimits::default()).await {
        Ok(db) => db,
        Err(err) => {
            eprintln!("error: database: {err}");
            return ExitCode::from(EXIT_STOPPED);
        }
    };
    if let Err(err) = Migrator::up(&db, None).await {
        eprintln!("error: migrations: {err}");
        return ExitCode::from(EXIT_STOPPED);
    }
    let db = db::Db::new(db);
    let defaults = ordergraph::orders::draft::Defaults::of(&config);
    command::run(&db, defaults, args).await
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
