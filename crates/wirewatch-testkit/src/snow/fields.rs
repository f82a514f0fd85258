//! The incident columns the fake knows: names, kinds, choice lists, and
//! the fixed positions the store uses to reach them.

pub(crate) type Choices = &'static [(&'static str, &'static str)];

pub(crate) const STATE_CHOICES: Choices = &[
    ("1", "New"),
    ("2", "In Progress"),
    ("3", "On Hold"),
    ("6", "Resolved"),
    ("7", "Closed"),
    ("8", "Canceled"),
];
pub(crate) const LEVEL_CHOICES: Choices =
    &[("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low")];
pub(crate) const PRIORITY_CHOICES: Choices = &[
    ("1", "1 - Critical"),
    ("2", "2 - High"),
    ("3", "3 - Moderate"),
    ("4", "4 - Low"),
    ("5", "5 - Planning"),
];

/// How a field is stored, written and displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Free text, writable.
    Text,
    /// A choice list, writable; only listed values are accepted (stricter
    /// than a real instance, which stores any value).
    Choice(Choices),
    /// A reference to `sys_user`, writable by sys_id or by display name.
    User,
    /// A journal field, write-only: writing appends an entry; its value
    /// reads as "" and its display value is the formatted history.
    Journal(&'static str),
    /// Maintained by the fake; writes are ignored, as system fields are.
    System,
    /// A system field with choice labels (priority, from impact × urgency).
    SystemChoice(Choices),
}

pub(crate) struct FieldDef {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
}

const fn f(name: &'static str, kind: Kind) -> FieldDef {
    FieldDef { name, kind }
}

/// The incident columns the fake knows, in rendering order.
pub(crate) const FIELDS: [FieldDef; 28] = [
    f("sys_id", Kind::System),
    f("number", Kind::System),
    f("state", Kind::Choice(STATE_CHOICES)),
    f("short_description", Kind::Text),
    f("description", Kind::Text),
    f("urgency", Kind::Choice(LEVEL_CHOICES)),
    f("impact", Kind::Choice(LEVEL_CHOICES)),
    f("priority", Kind::SystemChoice(PRIORITY_CHOICES)),
    f("severity", Kind::Choice(LEVEL_CHOICES)),
    f("category", Kind::Text),
    f("subcategory", Kind::Text),
    f("correlation_id", Kind::Text),
    f("correlation_display", Kind::Text),
    f("close_code", Kind::Text),
    f("close_notes", Kind::Text),
    f("assigned_to", Kind::User),
    f("work_notes", Kind::Journal("Work notes")),
    f("comments", Kind::Journal("Additional comments")),
    f("active", Kind::System),
    f("opened_at", Kind::System),
    f("resolved_at", Kind::System),
    f("closed_at", Kind::System),
    f("sys_created_on", Kind::System),
    f("sys_created_by", Kind::System),
    f("sys_updated_on", Kind::System),
    f("sys_updated_by", Kind::System),
    f("sys_mod_count", Kind::System),
    f("sys_class_name", Kind::System),
];

pub(crate) const SYS_ID: usize = 0;
pub(crate) const NUMBER: usize = 1;
pub(crate) const STATE: usize = 2;
pub(crate) const SHORT_DESCRIPTION: usize = 3;
pub(crate) const URGENCY: usize = 5;
pub(crate) const IMPACT: usize = 6;
pub(crate) const PRIORITY: usize = 7;
pub(crate) const SEVERITY: usize = 8;
pub(crate) const CLOSE_CODE: usize = 13;
pub(crate) const CLOSE_NOTES: usize = 14;
pub(crate) const ASSIGNED_TO: usize = 15;
pub(crate) const ACTIVE: usize = 18;
pub(crate) const OPENED_AT: usize = 19;
pub(crate) const RESOLVED_AT: usize = 20;
pub(crate) const CLOSED_AT: usize = 21;
pub(crate) const CREATED_ON: usize = 22;
pub(crate) const CREATED_BY: usize = 23;
pub(crate) const UPDATED_ON: usize = 24;
pub(crate) const UPDATED_BY: usize = 25;
pub(crate) const MOD_COUNT: usize = 26;
pub(crate) const CLASS_NAME: usize = 27;

/// Position of a column by name.
pub(crate) fn field_index(name: &str) -> Option<usize> {
    FIELDS.iter().position(|f| f.name == name)
}

/// Priority from impact and urgency, as the default lookup rules compute it.
pub(crate) fn priority_of(impact: &str, urgency: &str) -> &'static str {
    let i: u8 = impact.parse().unwrap_or(3);
    let u: u8 = urgency.parse().unwrap_or(3);
    match i + u {
        2 => "1",
        3 => "2",
        4 => "3",
        5 => "4",
        _ => "5",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_indexes_match_names() {
        for (i, name) in [
            (SYS_ID, "sys_id"),
            (NUMBER, "number"),
            (STATE, "state"),
            (SHORT_DESCRIPTION, "short_description"),
            (URGENCY, "urgency"),
            (IMPACT, "impact"),
            (PRIORITY, "priority"),
            (SEVERITY, "severity"),
            (CLOSE_CODE, "close_code"),
            (CLOSE_NOTES, "close_notes"),
            (ASSIGNED_TO, "assigned_to"),
            (ACTIVE, "active"),
            (OPENED_AT, "opened_at"),
            (RESOLVED_AT, "resolved_at"),
            (CLOSED_AT, "closed_at"),
            (CREATED_ON, "sys_created_on"),
            (CREATED_BY, "sys_created_by"),
            (UPDATED_ON, "sys_updated_on"),
            (UPDATED_BY, "sys_updated_by"),
            (MOD_COUNT, "sys_mod_count"),
            (CLASS_NAME, "sys_class_name"),
        ] {
            assert_eq!(FIELDS[i].name, name);
        }
    }

    #[test]
    fn priority_matrix() {
        assert_eq!(priority_of("1", "1"), "1");
        assert_eq!(priority_of("1", "2"), "2");
        assert_eq!(priority_of("2", "2"), "3");
        assert_eq!(priority_of("3", "2"), "4");
        assert_eq!(priority_of("3", "3"), "5");
    }
}
