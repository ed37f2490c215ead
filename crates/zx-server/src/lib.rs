//! Zengxiao's web server: the cockpit pages, the JSON API under `/api/v1` with its OpenAPI
//! document, login with scoped roles. Generic over the storage backend (`Arc<dyn Store>`); the
//! binary picks the backend and hands over its clock. Every handler enforces the same scope
//! rules (`zx_domain::Access`).
//!
//! Not here: what `zx` also does (checking and importing files, loading the snapshot: the
//! `zx-app` services), computing indicators (zx-domain), reading files (zx-ingest), SQL (the
//! backends), the wall clock (handlers and jobs read the state's `zx_app::Clock`).
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod emissions;
pub mod error;
pub mod export;
pub mod jobs;
pub mod layout;
pub mod openapi;
pub mod report;
pub mod report_schedule;
pub mod routes;
pub mod scope;
pub mod state;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;
use zx_app::{Clock, DatabaseUrl};
use zx_domain::Catalogue;
use zx_store::Store;

use routes::{
    audit, benchmark, cockpit, collect, drills, environment, followup, forecast, hazards, measures,
    notifications, people, registers, reports, safety, session, stacks, targets, visits,
};

pub use config::Settings;
pub use state::AppState;

const ECHARTS: &[u8] = include_bytes!("../assets/echarts.min.js");
const APP_CSS: &[u8] = include_bytes!("../assets/app.css");
const APP_JS: &[u8] = include_bytes!("../assets/app.js");
const EMISSIONS_JS: &[u8] = include_bytes!("../assets/emissions.js");
const PAGE_JS: &[u8] = include_bytes!("../assets/page.js");

/// What a browser may load and do on our pages: scripts only from this server (no inline
/// script, so an injected `<script>` does not run), no framing (clickjacking), no sniffing a
/// JSON or a download into HTML. Styles may be inline: ECharts sets them on what it draws.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response (pages, API, files); HSTS only when the
/// deployment says it is served over HTTPS (`secure_cookies`).
fn with_security_headers(hsts: bool, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Every error under `/api/` is the JSON error body, also when axum answered before a handler
/// ran (a body that is not JSON or not of the expected shape, a malformed query, a wrong
/// method, a body over the limit): its text becomes the message, its status picks the code.
async fn api_errors_as_json(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json {
        return response;
    }
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    let code = error::code_for_status(status);
    let message = if text.is_empty() {
        code.title(zx_domain::Lang::En).to_owned()
    } else {
        text
    };
    let body = error::ErrorBody {
        code: code.as_str(),
        message,
    };
    (status, axum::Json(body)).into_response()
}

fn asset(content_type: &'static str, body: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let hsts = state.settings.secure_cookies;
    Router::new()
        .route("/", get(|| async { Redirect::to("/cockpit") }))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/login",
            get(session::pages::login_form).post(session::pages::login),
        )
        .route("/logout", post(session::pages::logout))
        .route("/lang", get(session::pages::switch_lang))
        .route("/cockpit", get(cockpit::pages::cockpit))
        .route("/explain", get(cockpit::pages::explain))
        .route("/benchmark", get(benchmark::pages::page))
        .route("/api/v1/benchmark", get(benchmark::api::benchmark))
        .route("/api/v1/forecast", get(forecast::api::forecast))
        .route("/api/v1/forecast/will-miss", get(forecast::api::will_miss))
        .route(
            "/benchmark/references/import",
            post(benchmark::references::page_import),
        )
        .route(
            "/api/v1/benchmark/cost-breakdown",
            get(benchmark::api::cost_breakdown),
        )
        .route(
            "/api/v1/benchmark/references",
            get(benchmark::references::list),
        )
        .route(
            "/api/v1/benchmark/references/import",
            post(benchmark::references::api_import),
        )
        .route(
            "/targets",
            get(targets::pages::targets).post(targets::pages::save_target),
        )
        .route("/audit", get(audit::pages::audit))
        .route("/export.xlsx", get(cockpit::pages::export))
        .route("/report.pdf", get(reports::pages::pdf))
        .route("/report.xlsx", get(reports::pages::xlsx))
        .route(
            "/reports/schedule",
            get(reports::pages::schedule).post(reports::pages::save),
        )
        .route("/reports/sent/{id}", get(reports::pages::sent_file))
        .route("/measures", get(measures::pages::page))
        .route("/measures.xlsx", get(measures::pages::export))
        .route(
            "/measures/new",
            get(followup::pages::new_page).post(followup::pages::post_new),
        )
        .route("/measures/{id}", get(followup::pages::page))
        .route("/measures/{id}/update", post(followup::pages::post_update))
        .route(
            "/measures/{id}/co_owners",
            post(followup::pages::post_co_owners),
        )
        .route(
            "/measures/{id}/milestones",
            post(followup::pages::post_milestone),
        )
        .route(
            "/measures/{id}/milestones/done",
            post(followup::pages::post_milestone_done),
        )
        .route(
            "/measures/{id}/attachments",
            post(followup::pages::post_evidence).layer(axum::extract::DefaultBodyLimit::max(
                zx_ingest::evidence::MAX_EVIDENCE_BYTES + 64 * 1024,
            )),
        )
        .route("/attachments/{id}", get(followup::pages::get_attachment))
        .route(
            "/visits",
            get(visits::pages::visits).post(visits::pages::post_visit),
        )
        .route("/safety", get(safety::pages::page))
        .merge(hazards::routes())
        .route("/notifications", get(notifications::pages::notifications))
        .route("/environment", get(environment::pages::overview))
        .route("/environment/alarms", get(environment::alarms::alarms_page))
        .route(
            "/environment/alarms/{id}/ack",
            post(environment::alarms::acknowledge),
        )
        .route("/environment/plants/{code}", get(environment::pages::plant))
        .route("/environment/stacks/{mn}", get(environment::pages::stack))
        .route(
            "/environment/report.xlsx",
            get(environment::reports::report_xlsx),
        )
        .route(
            "/environment/stacks",
            get(stacks::pages::page).post(stacks::pages::post_stack),
        )
        .route(
            "/environment/stacks/import-file",
            post(stacks::pages::upload),
        )
        .route(
            "/api/v1/stacks/{mn}/minutes",
            get(environment::api::minutes_json),
        )
        .route("/safety/drills", get(drills::pages::page))
        .route("/safety/drills.xlsx", get(drills::pages::export))
        .route("/safety/drills/plan", post(drills::pages::post_planned))
        .route("/safety/drill-plan.xlsx", get(drills::plan::export))
        .route(
            "/safety/drills/plan/import",
            post(drills::plan::post_import),
        )
        .route(
            "/safety/drills/plan/{id}/revise",
            post(drills::plan::post_revise),
        )
        .route(
            "/safety/drills/plan/{id}/cancel",
            post(drills::plan::post_cancel),
        )
        .route("/safety/drills/record", post(drills::pages::post_drill))
        .route(
            "/safety/drill-improvements/{id}/measure",
            post(drills::pages::post_improvement_measure),
        )
        .route("/safety/people", get(people::pages::page))
        .route("/safety/registers/{kind}", get(registers::pages::export))
        .route(
            "/safety/registers/import",
            post(registers::import::post_import),
        )
        .route(
            "/api/v1/safety/records/import",
            post(registers::import::api_import),
        )
        .route("/api/v1/safety/people", get(people::api::people))
        .route(
            "/api/v1/safety/drills",
            get(drills::api::drills).post(drills::api::post_drill),
        )
        .route(
            "/api/v1/safety/drill-improvements/{id}/measure",
            post(drills::api::post_improvement_measure),
        )
        .route("/api/v1/safety/drill-plan", post(drills::api::post_planned))
        .route(
            "/api/v1/safety/drill-plan/{id}/revise",
            post(drills::plan::api_revise),
        )
        .route(
            "/api/v1/safety/drill-plan/{id}/cancel",
            post(drills::plan::api_cancel),
        )
        .route("/collect", get(collect::pages::page))
        .route(
            "/collect/upload",
            post(collect::pages::upload)
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/collect/state", post(collect::pages::set_state))
        .route("/collect/template.xlsx", get(collect::pages::template))
        .route(
            "/static/echarts.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", ECHARTS) }),
        )
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/static/page.js",
            get(|| async { asset("text/javascript; charset=utf-8", PAGE_JS) }),
        )
        .route(
            "/static/emissions.js",
            get(|| async { asset("text/javascript; charset=utf-8", EMISSIONS_JS) }),
        )
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/api/v1/me", get(session::api::me))
        .route("/api/v1/entities", get(cockpit::api::entities))
        .route("/api/v1/entities/{code}/kpi", get(cockpit::api::kpi))
        .route("/api/v1/entities/{code}/report", get(reports::api::report))
        .route(
            "/api/v1/reports/schedule",
            get(reports::api::schedule).put(reports::api::set_schedule),
        )
        .route("/api/v1/reports/sent", get(reports::api::sent))
        .route("/api/v1/reports/sent/{id}", get(reports::api::sent_file))
        .route(
            "/api/v1/entities/{code}/explain",
            get(cockpit::api::explain),
        )
        .route(
            "/api/v1/entities/{code}/cockpit",
            get(cockpit::api::cockpit),
        )
        .route(
            "/api/v1/targets",
            get(targets::api::targets).put(targets::api::put_target),
        )
        .route("/api/v1/audit", get(audit::api::audit))
        .route("/api/v1/submissions", get(collect::api::submissions))
        .route("/api/v1/collection", get(collect::api::collection))
        .route("/api/v1/collection/state", post(collect::api::set_state))
        .route(
            "/api/v1/measures",
            get(measures::api::measures).post(followup::api::api_create_measure),
        )
        .route("/api/v1/measures/gaps", get(measures::api::gaps))
        .route("/api/v1/measures/{id}", get(followup::api::api_measure))
        .route(
            "/api/v1/measures/{id}/updates",
            post(followup::api::api_update_measure),
        )
        .route(
            "/api/v1/measures/{id}/co_owners",
            post(followup::api::api_set_co_owners),
        )
        .route(
            "/api/v1/measures/{id}/attachments",
            post(followup::api::api_add_attachment).layer(axum::extract::DefaultBodyLimit::max(
                zx_ingest::evidence::MAX_EVIDENCE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/api/v1/measures/{id}/milestones",
            post(followup::api::api_add_milestone),
        )
        .route(
            "/api/v1/measures/{id}/milestones/{milestone}/done",
            post(followup::api::api_complete_milestone),
        )
        .route(
            "/api/v1/attachments/{id}",
            get(followup::api::api_attachment),
        )
        .route(
            "/api/v1/visits",
            get(visits::api::api_visits).post(visits::api::api_create_visit),
        )
        .merge(routes::risks::routes())
        .merge(routes::rnd::routes())
        .merge(routes::workforce::routes())
        .merge(routes::practices::routes())
        .merge(routes::managers::routes())
        .fallback(layout::not_found)
        .layer(axum::middleware::from_fn(api_errors_as_json))
        .layer(axum::middleware::map_response(move |response: Response| {
            std::future::ready(with_security_headers(hsts, response))
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Runs the server until Ctrl-C or SIGTERM, finishing requests in flight, with the daily
/// reminder job (`jobs`), the emissions service (minute store, alarm monitors, daily seal) and,
/// when `emissions.hj212_listen` is set, the HJ 212 receiver beside it; all stop with the server.
/// Handlers and jobs read `clock` (the binary's `SystemClock`, a test's `FixedClock`), never the
/// wall clock.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    catalogue: Catalogue,
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> std::io::Result<()> {
    let hj212 = match settings.emissions.hj212_listen {
        Some(address) => Some(zx_hj212::bind(address)?),
        None => None,
    };
    serve_with(listener, hj212, store, catalogue, settings, clock).await
}

/// [`serve`] with the HJ 212 listener already bound (tests and the demo bind port 0).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    hj212: Option<tokio::net::TcpListener>,
    store: Arc<dyn Store>,
    catalogue: Catalogue,
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> std::io::Result<()> {
    let db = DatabaseUrl::parse(&settings.db).map_err(std::io::Error::other)?;
    let safety_rules = settings.safety.load().map_err(std::io::Error::other)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let job = jobs::spawn_reminders(store.clone(), &settings, clock.clone(), stopped.clone());
    let dir = db.minute_store_dir(&settings.emissions.dir);
    let (service, alarm_task) =
        emissions::Emissions::open(store.clone(), &dir, settings.notify.clone(), clock.clone())
            .await
            .map_err(std::io::Error::other)?;
    let seal_at = settings
        .emissions
        .seal_time()
        .map_err(std::io::Error::other)?;
    let clock_job = service.spawn_jobs(seal_at, stopped.clone());
    let receiver = hj212.map(|listener| {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "HJ 212 receiver listening");
        }
        let receiver_clock = clock.clone();
        let options = zx_hj212::ReceiverOptions {
            idle_timeout: std::time::Duration::from_secs(settings.emissions.idle_timeout_secs),
            first_frame_timeout: std::time::Duration::from_secs(
                settings.emissions.first_frame_timeout_secs,
            ),
            max_connections: settings.emissions.max_connections,
            max_per_peer: settings.emissions.max_per_peer,
            max_future: std::time::Duration::from_secs(
                settings.emissions.max_future_minutes.saturating_mul(60),
            ),
            split_timeout: std::time::Duration::from_secs(settings.emissions.split_timeout_secs),
            now: Arc::new(move || receiver_clock.now()),
            ..zx_hj212::ReceiverOptions::default()
        };
        let mut until = stopped.clone();
        tokio::spawn(zx_hj212::receiver::serve(
            listener,
            service.clone(),
            service.clone(),
            service.stats.clone(),
            options,
            async move {
                let _ = until.wait_for(|stop| *stop).await;
            },
        ))
    });
    let state = AppState::new(store, catalogue, settings, clock)
        .with_emissions(service)
        .with_safety_rules(safety_rules);
    let report_job = jobs::spawn_report_schedule(state.clone(), stopped.clone());
    let app = router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    let _ = stop.send(true);
    if let Some(job) = job {
        let _ = job.await;
    }
    if let Some(receiver) = receiver {
        let _ = receiver.await;
    }
    let _ = clock_job.await;
    let _ = report_job.await;
    alarm_task.abort();
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_only_when_served_over_https() {
        let over_https = with_security_headers(true, Response::new(axum::body::Body::empty()));
        assert_eq!(
            over_https.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
        assert_eq!(over_https.headers()[header::X_FRAME_OPTIONS], "DENY");
        let plain = with_security_headers(false, Response::new(axum::body::Body::empty()));
        assert!(
            plain
                .headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_none()
        );
        assert_eq!(plain.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}
