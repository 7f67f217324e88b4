//! The environment pages' words: a change's time and kind, a binding's value in one
//! environment, how a binding differs between two, an environment's settings and what a
//! change did to them, and the create form's request.

use bedrock_binder_shared::api::{ChangeKind, ChangeSummary, CreateEnvRequest, EnvSettings};
use bedrock_binder_shared::date::CalendarDate;
use bedrock_binder_shared::env_name::{EnvName, EnvNameError};
use bedrock_binder_shared::promote::BindingChange;

/// A change's time, in UTC to the minute: `2026-11-23 14:05 UTC`. UTC rather than the
/// browser's zone, so that two people comparing a history read the same times.
pub fn time_text(time_ms: u64) -> String {
    let seconds = time_ms / 1000;
    let of_day = seconds % 86_400;
    format!("{} {:02}:{:02} UTC", CalendarDate::from_unix_seconds(seconds), of_day / 3600, of_day % 3600 / 60)
}

/// What a kind of change is called in a list.
pub fn kind_label(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Edit => "edit",
        ChangeKind::Import => "import",
        ChangeKind::Promote => "promote",
        ChangeKind::Revert => "revert",
        ChangeKind::Create => "created",
        ChangeKind::Delete => "deleted",
        ChangeKind::Settings => "settings",
        ChangeKind::Preset => "preset",
    }
}

/// A change in one line: `promote by local, 2026-11-23 14:05 UTC`.
pub fn change_text(change: &ChangeSummary) -> String {
    match &change.approver {
        Some(approver) => format!(
            "{} by {}, approved by {approver}, {}",
            kind_label(change.kind),
            change.author,
            time_text(change.time_ms)
        ),
        None => format!("{} by {}, {}", kind_label(change.kind), change.author, time_text(change.time_ms)),
    }
}

/// A binding's value as a table cell shows it: `not bound`, `direct` (bound to be called by
/// its own id) or the value.
pub fn value_text(value: Option<&str>) -> String {
    match value {
        None => "not bound".to_owned(),
        Some("") => "direct".to_owned(),
        Some(value) => value.to_owned(),
    }
}

/// An environment's settings as the list shows them: description, AWS profile, region and
/// whether it is protected, each as a label and a value, with the defaults said in words.
pub fn settings_fields(settings: &EnvSettings) -> [(&'static str, String); 4] {
    [
        ("Description", settings.description.clone()),
        ("AWS profile", settings.aws_profile.clone().unwrap_or_else(|| "the server's credentials".to_owned())),
        ("Region", settings.region.as_ref().map_or_else(|| "the server's region".to_owned(), |r| r.to_string())),
        ("Protected", if settings.protected { "yes" } else { "no" }.to_owned()),
    ]
}

/// The settings a change changed, each as its label with the value before and after (`None`
/// before a create or after a delete).
pub fn settings_changes(
    before: Option<&EnvSettings>,
    after: Option<&EnvSettings>,
) -> Vec<(&'static str, Option<String>, Option<String>)> {
    let before = before.map(settings_fields);
    let after = after.map(settings_fields);
    (0..4)
        .filter_map(|i| {
            let old = before.as_ref().map(|fields| fields[i].clone());
            let new = after.as_ref().map(|fields| fields[i].clone());
            let label = old.as_ref().or(new.as_ref()).map(|(label, _)| *label)?;
            let (old, new) = (old.map(|(_, value)| value), new.map(|(_, value)| value));
            (old != new).then_some((label, old, new))
        })
        .collect()
}

/// How a binding differs from one environment (or version) to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    /// Bound only in the second.
    Added,
    /// Bound only in the first.
    Removed,
    /// Bound in both, to different values.
    Changed,
}

impl Difference {
    /// The difference `change` is.
    pub fn of(change: &BindingChange) -> Difference {
        if change.is_added() {
            Difference::Added
        } else if change.is_removed() {
            Difference::Removed
        } else {
            Difference::Changed
        }
    }

    /// Its name, for `data-change` and the row's style.
    pub fn as_str(self) -> &'static str {
        match self {
            Difference::Added => "added",
            Difference::Removed => "removed",
            Difference::Changed => "changed",
        }
    }
}

/// The request that creates the environment named `name`: empty, or as a copy of `from`'s
/// file and settings. The name is checked as the server checks it, so a bad one is explained
/// before anything is sent.
pub fn create_request(name: &str, from: Option<&str>) -> Result<CreateEnvRequest, EnvNameError> {
    let name: EnvName = name.trim().parse()?;
    Ok(CreateEnvRequest {
        name: name.to_string(),
        from: from.filter(|from| !from.is_empty()).map(str::to_owned),
        text: None,
        settings: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_reads_as_a_utc_date_and_minute() {
        // 2026-11-23 14:05:59.999 UTC.
        assert_eq!(time_text(1_795_442_759_999), "2026-11-23 14:05 UTC");
        assert_eq!(time_text(0), "1970-01-01 00:00 UTC");
    }

    #[test]
    fn a_change_says_what_who_and_when() {
        let change = ChangeSummary {
            seq: 3,
            time_ms: 1_795_442_700_000,
            author: "local".to_owned(),
            kind: ChangeKind::Promote,
            reason: None,
            approver: None,
            request: None,
            presets: Vec::new(),
        };
        assert_eq!(change_text(&change), "promote by local, 2026-11-23 14:05 UTC");
        let approved = ChangeSummary { approver: Some("ada".to_owned()), request: Some(2), ..change };
        assert_eq!(change_text(&approved), "promote by local, approved by ada, 2026-11-23 14:05 UTC");
    }

    #[test]
    fn values_read_as_not_bound_direct_or_themselves() {
        assert_eq!(value_text(None), "not bound");
        assert_eq!(value_text(Some("")), "direct");
        assert_eq!(value_text(Some("us.amazon.nova-pro-v1:0")), "us.amazon.nova-pro-v1:0");
    }

    #[test]
    fn a_difference_is_added_removed_or_changed_from_the_first_to_the_second() {
        let change = |from: Option<&str>, to: Option<&str>| BindingChange {
            model: "a.b".to_owned(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        assert_eq!(Difference::of(&change(None, Some(""))), Difference::Added);
        assert_eq!(Difference::of(&change(Some(""), None)), Difference::Removed);
        assert_eq!(Difference::of(&change(Some(""), Some("us.a.b"))), Difference::Changed);
    }

    #[test]
    fn a_settings_change_lists_only_what_changed_in_words() {
        let before = EnvSettings { description: "QA".to_owned(), ..EnvSettings::default() };
        let after = EnvSettings { protected: true, region: "eu-west-1".parse().ok(), ..before.clone() };
        let changes = settings_changes(Some(&before), Some(&after));
        let expected = [
            ("Region", Some("the server's region".to_owned()), Some("eu-west-1".to_owned())),
            ("Protected", Some("no".to_owned()), Some("yes".to_owned())),
        ];
        assert_eq!(changes, expected);
        let created = settings_changes(None, Some(&before));
        assert_eq!(created.len(), 4, "a create shows every setting");
        assert_eq!(created[0], ("Description", None, Some("QA".to_owned())));
    }

    #[test]
    fn a_new_environment_is_refused_with_the_servers_words_when_its_name_is_not_one() {
        let error = create_request("Staging", None).expect_err("upper case");
        assert!(error.message.contains("lower-case"), "{}", error.message);
        let request = create_request(" qa ", Some("staging")).expect("a valid name");
        assert_eq!((request.name.as_str(), request.from.as_deref()), ("qa", Some("staging")));
        assert_eq!(create_request("qa", Some("")).expect("valid").from, None, "empty means an empty file");
    }
}
