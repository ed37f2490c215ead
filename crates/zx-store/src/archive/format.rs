//! The archive file: JSON Lines, a header then one record per line.

use std::io::{BufRead, Write};

use serde::Serialize;

use super::*;

/// Writes `archive` as JSON Lines (see the module documentation) into `out`; `progress` is
/// called after each record. The caller flushes (and finishes a compressor).
pub fn write_lines(
    archive: &Archive,
    tool_version: &str,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(),
) -> Result<(), ArchiveFileError> {
    fn line<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<(), ArchiveFileError> {
        serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        Ok(())
    }
    let header = ArchiveHeader {
        format: ARCHIVE_FORMAT.to_owned(),
        format_version: ARCHIVE_FORMAT_VERSION,
        tool_version: tool_version.to_owned(),
        counts: archive.counts(),
    };
    line(out, &header)?;
    // Borrowing twins of the records, so nothing is cloned to be written.
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Record<'a> {
        Submission(&'a ArchivedSubmission),
        Entity(&'a ArchivedEntity),
        FactRevision(&'a ArchivedFactRevision),
        TargetRevision(&'a ArchivedTargetRevision),
        User(&'a ArchivedUser),
        ApiToken(&'a ArchivedToken),
        PeriodStatus(&'a ArchivedPeriodStatus),
        AuditEntry(&'a ArchivedAuditEntry),
        Measure(&'a ArchivedMeasure),
        Notification(&'a ArchivedNotification),
        Visit(&'a ArchivedVisit),
        CoOwner(&'a ArchivedCoOwner),
        MeasureUpdate(&'a ArchivedMeasureUpdate),
        Milestone(&'a ArchivedMilestone),
        Blob(&'a ArchivedBlob),
        Attachment(&'a ArchivedAttachment),
        Stack(&'a ArchivedStack),
        AlarmRuleSet(&'a ArchivedRuleSet),
        Alarm(&'a ArchivedAlarm),
        TableRow(&'a ArchivedRow),
    }
    let records = archive
        .submissions
        .iter()
        .map(Record::Submission)
        .chain(archive.entities.iter().map(Record::Entity))
        .chain(archive.fact_revisions.iter().map(Record::FactRevision))
        .chain(archive.target_revisions.iter().map(Record::TargetRevision))
        .chain(archive.users.iter().map(Record::User))
        .chain(archive.api_tokens.iter().map(Record::ApiToken))
        .chain(archive.period_statuses.iter().map(Record::PeriodStatus))
        .chain(archive.audit_log.iter().map(Record::AuditEntry))
        .chain(archive.measures.iter().map(Record::Measure))
        .chain(archive.notifications.iter().map(Record::Notification))
        .chain(archive.visits.iter().map(Record::Visit))
        .chain(archive.co_owners.iter().map(Record::CoOwner))
        .chain(archive.measure_updates.iter().map(Record::MeasureUpdate))
        .chain(archive.milestones.iter().map(Record::Milestone))
        .chain(archive.blobs.iter().map(Record::Blob))
        .chain(archive.attachments.iter().map(Record::Attachment))
        .chain(archive.stacks.iter().map(Record::Stack))
        .chain(archive.alarm_rule_sets.iter().map(Record::AlarmRuleSet))
        .chain(archive.alarms.iter().map(Record::Alarm))
        .chain(archive.table_rows.iter().map(Record::TableRow));
    for record in records {
        line(out, &record)?;
        progress();
    }
    Ok(())
}

/// Reads an archive written by [`write_lines`]. `on_header` sees the header first (to size a
/// progress bar); `progress` is called after each record. Records may come in any order; blank
/// lines are skipped. A header of a newer format version, an unknown field or record kind, an
/// invalid value (code, month, decimal, time…) or fewer or more records than the header
/// announces are errors naming the line.
pub fn read_lines(
    input: &mut dyn BufRead,
    on_header: &mut dyn FnMut(&ArchiveHeader),
    progress: &mut dyn FnMut(),
) -> Result<(ArchiveHeader, Archive), ArchiveFileError> {
    let mut header: Option<ArchiveHeader> = None;
    let mut archive = Archive::default();
    let mut buffer = String::new();
    let mut number = 0usize;
    loop {
        buffer.clear();
        if input.read_line(&mut buffer)? == 0 {
            break;
        }
        number += 1;
        let text = buffer.trim();
        if text.is_empty() {
            continue;
        }
        if header.is_none() {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                ArchiveFileError::NotAnArchive("the first line is not a JSON object".into())
            })?;
            if value.get("format").and_then(|f| f.as_str()) != Some(ARCHIVE_FORMAT) {
                return Err(ArchiveFileError::NotAnArchive(format!(
                    "the first line has no \"format\": \"{ARCHIVE_FORMAT}\""
                )));
            }
            let found = value.get("format_version").and_then(|v| v.as_u64());
            if let Some(found) = found
                && found > u64::from(ARCHIVE_FORMAT_VERSION)
            {
                return Err(ArchiveFileError::TooNew {
                    found: u32::try_from(found).unwrap_or(u32::MAX),
                    known: ARCHIVE_FORMAT_VERSION,
                    tool: value
                        .get("tool_version")
                        .and_then(|t| t.as_str())
                        .unwrap_or("?")
                        .to_owned(),
                });
            }
            let parsed: ArchiveHeader =
                serde_json::from_value(value).map_err(|e| ArchiveFileError::Line {
                    line: number,
                    message: format!("header: {e}"),
                })?;
            on_header(&parsed);
            header = Some(parsed);
            continue;
        }
        let record: ArchiveRecord =
            serde_json::from_str(text).map_err(|e| ArchiveFileError::Line {
                line: number,
                message: e.to_string(),
            })?;
        match record {
            ArchiveRecord::Submission(r) => archive.submissions.push(r),
            ArchiveRecord::Entity(r) => archive.entities.push(r),
            ArchiveRecord::FactRevision(r) => archive.fact_revisions.push(r),
            ArchiveRecord::TargetRevision(r) => archive.target_revisions.push(r),
            ArchiveRecord::User(r) => archive.users.push(r),
            ArchiveRecord::ApiToken(r) => archive.api_tokens.push(r),
            ArchiveRecord::PeriodStatus(r) => archive.period_statuses.push(r),
            ArchiveRecord::AuditEntry(r) => archive.audit_log.push(r),
            ArchiveRecord::Measure(r) => archive.measures.push(r),
            ArchiveRecord::Notification(r) => archive.notifications.push(r),
            ArchiveRecord::Visit(r) => archive.visits.push(r),
            ArchiveRecord::CoOwner(r) => archive.co_owners.push(r),
            ArchiveRecord::MeasureUpdate(r) => archive.measure_updates.push(r),
            ArchiveRecord::Milestone(r) => archive.milestones.push(r),
            ArchiveRecord::Blob(r) => archive.blobs.push(r),
            ArchiveRecord::Attachment(r) => archive.attachments.push(r),
            ArchiveRecord::Stack(r) => archive.stacks.push(r),
            ArchiveRecord::AlarmRuleSet(r) => archive.alarm_rule_sets.push(r),
            ArchiveRecord::Alarm(r) => archive.alarms.push(r),
            ArchiveRecord::TableRow(r) => archive.table_rows.push(r),
        }
        progress();
    }
    let Some(header) = header else {
        return Err(ArchiveFileError::NotAnArchive("the file is empty".into()));
    };
    let found = archive.counts();
    let expected_counts = header
        .counts
        .named()
        .into_iter()
        .chain(header.counts.named_emissions());
    let found_counts = found.named().into_iter().chain(found.named_emissions());
    let expected_tables = header
        .counts
        .named_tables()
        .into_iter()
        .map(|(t, n)| (t.label_en, n));
    let found_tables = found
        .named_tables()
        .into_iter()
        .map(|(t, n)| (t.label_en, n));
    for ((what, expected), (_, found)) in expected_counts
        .chain(expected_tables)
        .zip(found_counts.chain(found_tables))
    {
        if expected != found {
            return Err(ArchiveFileError::Incomplete {
                what,
                expected,
                found,
            });
        }
    }
    Ok((header, archive))
}
