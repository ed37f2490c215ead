//! The database story every backend of [`zx_store::Store`] must tell the same way, written once
//! and run against each backend (atuin's "one story, two databases").
//!
//! Each story is an `async fn(&dyn Store)` given an empty, migrated database. A backend's
//! `tests/` calls [`stories!`] with a factory returning `Option<Fresh>`: one `#[tokio::test]`
//! per story, each on a database of its own (`None`: the backend is not available here, the
//! test passes after the factory has said why). Dev-only: nothing ships with this crate.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod archive;
pub mod drill_plan;
pub mod drill_plan_edits;
pub mod followup;
pub mod hazards;
pub mod loads;
pub mod managers;
pub mod measures;
pub mod practices;
pub mod references;
pub mod report_schedule;
pub mod risks;
pub mod rnd;
pub mod safety;
pub mod safety_archive;
pub mod stacks;
pub mod story;
pub mod submissions;

use zx_store::Store;

/// A store for one story, and whatever must live as long as it (a temporary directory, a
/// database to drop). Fields drop in order: the store first, then what it lives in.
pub struct Fresh {
    pub store: Box<dyn Store>,
    pub keep: Box<dyn std::any::Any + Send>,
}

impl Fresh {
    pub fn new(store: impl Store + 'static, keep: impl std::any::Any + Send) -> Self {
        Self {
            store: Box::new(store),
            keep: Box::new(keep),
        }
    }
}

/// One `#[tokio::test]` per story, each on `$fresh.await` (an `Option<Fresh>`). The calling
/// crate needs `tokio` (with `macros`) among its dev-dependencies.
#[macro_export]
macro_rules! stories {
    ($fresh:expr) => {
        $crate::stories!(@each $fresh;
            story::submissions_revise_and_never_overwrite,
            story::an_import_is_all_or_nothing,
            story::entity_changes_are_audited_with_old_and_new,
            story::decimals_come_back_exactly_with_their_places,
            story::a_target_listed_twice_is_revised_in_order,
            loads::the_loaded_values_are_the_values_in_force,
            loads::an_equal_value_and_a_months_file_leave_the_rest_in_force,
            accounts::users_are_created_listed_and_unique,
            accounts::a_scope_is_required_exactly_where_the_role_needs_one,
            accounts::a_new_password_ends_the_sessions,
            accounts::disabling_ends_sessions_and_tokens,
            accounts::sessions_expire_and_end,
            accounts::period_states_round_trip_with_audit,
            accounts::a_target_edit_on_a_stale_revision_is_refused,
            accounts::a_locked_month_refuses_imports_for_the_whole_subtree,
            accounts::a_lock_and_an_import_racing_have_one_winner,
            accounts::concurrent_imports_revise_one_after_another,
            accounts::locks_and_imports_racing_month_after_month,
            submissions::a_lock_refuses_new_and_changed_values_only,
            submissions::an_approval_survives_an_unchanged_resubmission,
            archive::a_restored_archive_exports_unchanged,
            archive::restore_refuses_a_database_that_is_not_empty,
            archive::an_export_holds_what_was_written,
            safety_archive::safety_registers_are_restored_with_their_ids_and_export_unchanged,
            safety_archive::a_safety_row_referring_to_nothing_is_refused,
            measures::measures_are_imported_in_order_and_audited,
            measures::a_list_imported_again_revises_its_measures,
            measures::notifications_are_recorded_once_and_audited,
            followup::a_measure_is_followed_up_with_updates_and_an_audit_trail,
            followup::evidence_is_stored_once_per_content_and_milestones_close,
            followup::a_visit_turns_its_requirements_into_measures,
            followup::email_addresses_are_checked_and_audited,
            followup::co_owners_are_replaced_on_a_revision_and_audited,
            stacks::stacks_are_saved_by_mn_in_one_transaction_and_audited,
            stacks::alarm_rule_sets_are_edited_on_a_revision,
            stacks::alarms_are_raised_once_acknowledged_and_cleared,
            stacks::stacks_rules_and_alarms_survive_export_and_restore,
            stacks::a_restored_database_keeps_stacks_rules_and_open_alarms,
            drill_plan::planned_drills_are_added_all_or_nothing_and_revised_with_an_audit_trail,
            drill_plan::drill_reminders_are_recorded_once_and_audited,
            drill_plan::drill_reminders_go_out_lead_days_before_the_date_and_once,
            drill_plan::a_drill_is_recorded_with_its_report_and_an_improvement_becomes_a_measure,
            drill_plan_edits::a_planned_drill_moves_with_a_reason_and_is_cancelled_with_one,
            drill_plan_edits::a_drill_plan_file_is_saved_all_or_nothing,
            safety::safety_records_import_read_back_and_revise,
            safety::a_safety_import_with_a_bad_reference_writes_nothing,
            safety::hazards_go_to_the_register_in_the_same_transaction,
            hazards::a_major_hazard_runs_the_loop_with_history_audit_and_evidence,
            hazards::a_ledger_imported_again_revises_or_leaves_its_hazards,
            hazards::a_rules_hazard_is_raised_once,
            risks::risks_are_registered_revised_and_retired_with_an_audit_trail,
            risks::warnings_trigger_alerts_acknowledged_once_and_escalated_once,
            hazards::a_web_hazard_exported_and_imported_back_is_unchanged,
            references::reference_values_are_revised_never_overwritten,
            rnd::rnd_projects_spend_and_partners_are_saved_revised_and_audited,
            rnd::a_bad_rnd_row_refuses_the_whole_save,
            managers::manager_terms_are_saved_all_or_nothing_and_corrected_with_an_audit_trail,
            managers::manager_reminders_are_recorded_once_and_audited,
            practices::practices_are_revised_never_overwritten_and_audited,
            practices::a_recommendation_tells_each_plant_once_and_everything_is_archived,
            report_schedule::the_schedule_is_audited_and_each_period_sent_once,
        );
    };
    (@each $fresh:expr; $($module:ident :: $story:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                if let Some(fresh) = $fresh.await {
                    $crate::$module::$story(&*fresh.store).await;
                }
            }
        )*
    };
}
