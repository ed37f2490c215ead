//! `zx`: the command line of Zengxiao. Thin: parses arguments, calls a service (`zx-app`, the
//! store, the domain), renders. Errors go to stderr with a non-zero exit code, never a panic.
#![forbid(unsafe_code)]

mod app;
mod cli;
mod commands;

use std::process::ExitCode;

use std::sync::Arc;

use anyhow::Result;
use clap::Parser;
use zx_app::{Clock, DatabaseUrl, SystemClock};

use crate::app::App;
use crate::cli::{BenchCommand, Cli, Command, MeasuresCommand, ReportFormat};
use crate::commands::{
    archive, bench, benchmark, demo, forecast, import, measures, query, records, remind, report,
    serve, user,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let global = &cli.global;
    // The clock is read here only: one for the run, passed down to every command.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let db = DatabaseUrl::parse(&global.db)?;
    // The server's "download PDF" typesets with what only this binary links (typst, the font).
    zx_server::report::set_pdf_writer(zx_report_pdf::pdf);
    match cli.command {
        Command::Init => {
            let app = App::open(global, &db, true, &clock).await?;
            println!(
                "{} {}",
                app.lang.pick("数据库已就绪：", "database ready:"),
                app.db
            );
            Ok(())
        }
        Command::Import { files, format } => {
            let app = App::open(global, &db, false, &clock).await?;
            import::import(&app, &files, format).await
        }
        Command::Kpi {
            entity,
            period,
            basis,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            query::kpi(&app, &entity, &period, basis, format).await
        }
        Command::Workforce {
            entity,
            period,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            commands::workforce::workforce(&app, &entity, &period, format).await
        }
        Command::Report {
            period,
            entity,
            depth,
            basis,
            format,
            output,
            config,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            match format {
                ReportFormat::Table => {
                    query::report(&app, entity.as_deref(), period.as_deref(), depth, basis).await
                }
                _ => {
                    let request = report::Request {
                        entity: entity.as_deref(),
                        period: period.as_deref(),
                        basis,
                        format,
                        output: output.as_deref(),
                        config: &config,
                    };
                    report::write(&app, request).await
                }
            }
        }
        Command::Benchmark {
            period,
            basis,
            indicator,
            entity,
            segment,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            let args = benchmark::BenchmarkArgs {
                period: &period,
                basis,
                indicator: &indicator,
                entity: entity.as_deref(),
                segment: segment.as_deref(),
                format,
            };
            benchmark::benchmark(&app, args).await
        }
        Command::Forecast {
            period,
            indicator,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            forecast::forecast(&app, &period, &indicator, format).await
        }
        Command::Explain {
            entity,
            period,
            indicator,
            basis,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            query::explain(&app, &entity, &period, &indicator, basis, format).await
        }
        Command::History {
            entity,
            period,
            item,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            records::history(
                &app,
                entity.as_deref(),
                period.as_deref(),
                item.as_deref(),
                format,
            )
            .await
        }
        Command::Submissions { format } => {
            let app = App::open(global, &db, false, &clock).await?;
            records::submissions(&app, format).await
        }
        Command::Audit {
            by,
            action,
            object,
            limit,
            format,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            records::audit(&app, by, action, object, limit, format).await
        }
        Command::Entities { format } => {
            let app = App::open(global, &db, false, &clock).await?;
            records::entities(&app, format).await
        }
        Command::Template {
            entity,
            year,
            output,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            import::template(&app, &entity, year, &output).await
        }
        Command::Demo { force, report } => {
            demo::demo(global, &db, &clock, force, report.as_deref()).await
        }
        Command::Measures { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            match command {
                MeasuresCommand::Import { file } => measures::import(&app, &file).await,
                MeasuresCommand::List {
                    entity,
                    as_of,
                    format,
                } => measures::list(&app, entity.as_deref(), as_of.as_deref(), format).await,
                MeasuresCommand::Gaps { period, format } => {
                    measures::gaps_command(&app, &period, format).await
                }
            }
        }
        Command::Remind {
            now,
            dry_run,
            grace_days,
            drill_lead_days,
            format,
            config,
        } => {
            let app = App::open(global, &db, false, &clock).await?;
            let days = (grace_days, drill_lead_days);
            remind::remind(&app, now.as_deref(), dry_run, days, format, &config).await
        }
        Command::Serve {
            listen,
            demo,
            hj212,
            config,
        } => serve::serve(global, &clock, listen, demo, hj212, &config).await,
        Command::Catalogue { check } => {
            match check {
                None => print!("{}", zx_domain::catalogue::DEFAULT_CATALOGUE_TOML),
                Some(path) => {
                    let catalogue = app::load_catalogue(&cli::Global {
                        catalogue: Some(path.clone()),
                        ..global.clone()
                    })?;
                    println!(
                        "{}: {} items, {} indicators, {} operating indicators — OK",
                        path.display(),
                        catalogue.items().len(),
                        catalogue.indicators().len(),
                        catalogue.operating_indicators().len()
                    );
                }
            }
            Ok(())
        }
        Command::User { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            user::run(&app, command).await
        }
        Command::Export { output, force } => archive::export(global, &db, &output, force).await,
        Command::Restore { file } => archive::restore(global, &db, &file).await,
        Command::Migrate => archive::migrate(global, &db).await,
        Command::Anomaly { command } => commands::anomaly::run(command),
        Command::Cems { command } => commands::cems::run(global, &db, command).await,
        Command::Safety { command } => commands::safety::run(global, &db, &clock, command).await,
        Command::Rnd { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            commands::rnd::run(&app, command).await
        }
        Command::Managers { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            commands::managers::run(&app, command).await
        }
        Command::Practices { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            commands::practices::run(&app, command).await
        }
        Command::References { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            commands::references::run(&app, command).await
        }
        Command::Stack { command } => {
            let app = App::open(global, &db, false, &clock).await?;
            commands::stack::run(&app, command).await
        }
        Command::Simulate { command } => commands::simulate::run(clock.as_ref(), command).await,
        Command::Bench { bench } => match bench {
            BenchCommand::Rollup {
                entities,
                months,
                runs,
                threads,
                write_csv,
                from_db,
                seed,
            } => {
                let source = if from_db {
                    bench::Source::Database(db.clone())
                } else {
                    bench::Source::Synthetic {
                        entities,
                        seed,
                        write_csv,
                    }
                };
                bench::rollup(source, months, runs, threads).await
            }
            BenchCommand::Benchmark {
                entities,
                runs,
                write_csv,
                seed,
            } => bench::benchmark(entities, runs, write_csv, seed),
            BenchCommand::Cems {
                stacks,
                days,
                runs,
                threads,
                write_csv,
                seed,
            } => commands::cems::bench(stacks, days, runs, threads, write_csv.as_deref(), seed),
        },
    }
}
