//! The OpenAPI document of `/api/v1` (`GET /api/openapi.json`): every API handler of
//! `routes::*::api` and its shapes.

use axum::Json;
use utoipa::OpenApi;

use crate::error::ErrorBody;
use zx_api::{AuditEntryJson, EntityJson, GapJson, SubmissionJson};

use crate::routes::audit::api as audit;
use crate::routes::cockpit::api as cockpit;
use crate::routes::collect::api::{self as collect, CollectionRowJson};
use crate::routes::hazards::api as hazards;
use crate::routes::measures::api as measures;
use crate::routes::session::api::{self as session, MeJson};
use crate::routes::targets::TargetJson;
use crate::routes::targets::api as targets;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zengxiao API",
        description = "One benefit and five rates, consolidated through the group tree. Errors are {code, message} with stable codes."
    ),
    paths(
        session::me,
        cockpit::entities,
        cockpit::kpi,
        cockpit::explain,
        cockpit::cockpit,
        crate::routes::reports::api::report,
        audit::audit,
        targets::targets,
        targets::put_target,
        collect::submissions,
        collect::collection,
        collect::set_state,
        measures::measures,
        measures::gaps,
        crate::routes::followup::api::api_measure,
        crate::routes::followup::api::api_create_measure,
        crate::routes::followup::api::api_update_measure,
        crate::routes::followup::api::api_set_co_owners,
        crate::routes::followup::api::api_add_attachment,
        crate::routes::followup::api::api_add_milestone,
        crate::routes::followup::api::api_complete_milestone,
        crate::routes::followup::api::api_attachment,
        crate::routes::visits::api::api_visits,
        crate::routes::visits::api::api_create_visit,
        crate::routes::environment::api::minutes_json,
        crate::routes::drills::api::drills,
        crate::routes::drills::api::post_planned,
        crate::routes::drills::api::post_drill,
        crate::routes::drills::api::post_improvement_measure,
        crate::routes::drills::plan::api_revise,
        crate::routes::drills::plan::api_cancel,
        crate::routes::people::api::people,
        crate::routes::registers::import::api_import,
        hazards::api_hazards,
        hazards::api_hazard,
        hazards::api_report,
        hazards::api_step,
        hazards::api_add_attachments,
        hazards::api_attachment,
        crate::routes::benchmark::api::benchmark,
        crate::routes::benchmark::references::list,
        crate::routes::benchmark::api::cost_breakdown,
        crate::routes::forecast::api::forecast,
        crate::routes::forecast::api::will_miss,
        crate::routes::benchmark::references::api_import
    ),
    components(schemas(
        ErrorBody,
        crate::routes::followup::api::MeasureDetailJson,
        crate::routes::followup::MeasureInput,
        crate::routes::followup::UpdateInput,
        crate::routes::followup::CoOwnersInput,
        crate::routes::followup::MilestoneInput,
        crate::routes::followup::api::AttachmentJson,
        crate::routes::visits::api::VisitJson,
        crate::routes::visits::VisitInput,
        crate::routes::CreatedJson,
        crate::routes::collect::api::PeriodStateInput,
        crate::routes::collect::api::PeriodStateJson,
        crate::routes::environment::api::ChartData,
        crate::routes::environment::api::ChartFactor,
        crate::routes::drills::api::DrillsJson,
        crate::routes::drills::PlannedDrillInput,
        crate::routes::drills::DrillInput,
        crate::routes::drills::ImprovementMeasureInput,
        crate::routes::drills::plan::ReviseInput,
        crate::routes::drills::plan::CancelInput,
        crate::routes::people::api::PeopleJson,
        zx_api::SafetyImportedJson,
        zx_api::ImportRejectedJson,
        zx_api::SafetyImportedFileJson,
        zx_api::IssueJson,
        MeJson,
        EntityJson,
        AuditEntryJson,
        TargetJson,
        SubmissionJson,
        CollectionRowJson,
        GapJson,
        hazards::HazardJson,
        hazards::HazardDetailJson,
        hazards::HazardStepJson,
        hazards::HazardAttachmentJson,
        crate::routes::hazards::ReportInput,
        crate::routes::hazards::StepInput,
        crate::routes::hazards::ScoreInput,
        zx_api::BenchmarkJson,
        zx_api::ForecastsJson,
        zx_api::ForecastJson,
        zx_api::WillMissJson,
        zx_api::ReferenceJson,
        zx_api::CostBreakdownJson,
        zx_api::CostStepJson,
        zx_api::ReferencesImportedJson,
        zx_api::BenchmarkStatsJson,
        zx_api::BenchmarkPeerJson
    ))
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::risks::api::RisksApi::openapi());
    doc.merge(crate::routes::rnd::api::RndApi::openapi());
    doc.merge(crate::routes::workforce::api::WorkforceApi::openapi());
    doc.merge(crate::routes::practices::api::PracticesApi::openapi());
    doc.merge(crate::routes::reports::api::ReportScheduleApi::openapi());
    doc.merge(crate::routes::managers::api::ManagersApi::openapi());
    Json(doc)
}
