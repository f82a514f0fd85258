//! The one rule for what a user may see and change of detections and of the
//! things that belong to a detection module: detection formats, tuning rules,
//! internal tickets, and what triggers see and create.
//!
//! Detections are split between two modules by their top-level category:
//! security (`sec`, the NDR module, `"ndr": "full"`) and performance (`perf`,
//! the NPM module, `"npm": "full"`); administrators hold both.
//!
//! - A **detection** is visible when the user holds the module of one of its
//!   categories; a user sees and changes only visible detections, and an
//!   invisible one answers exactly as a missing one (404).
//! - A **detection format** belongs to the modules of its categories, and a
//!   **tuning rule** to its detection type's format (`all_security` and
//!   `all_performance` to their module): listed, read, created, changed and
//!   deleted only by holders of that module.
//! - An **internal ticket** is visible when every detection it links is.
//! - A **trigger** runs with the modules of the user who last wrote it: it
//!   sees only their detections, and `commitDetection` follows the rule of
//!   `POST /detections` (`write: full` and the module of the type).
//!
//! The write level each change needs (`write: limited` to triage, `write:
//! full` to configure) is checked by the caller alongside; this module
//! answers the module question only, in one place.

use crate::user::{Access, Roles};

/// The detection modules a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modules {
    /// Security detections (`sec`): NDR.
    pub security: bool,
    /// Performance detections (`perf`): NPM.
    pub performance: bool,
}

impl Modules {
    pub const ALL: Modules = Modules {
        security: true,
        performance: true,
    };
    pub const NONE: Modules = Modules {
        security: false,
        performance: false,
    };

    /// The modules of a user's effective roles.
    pub fn of(roles: &Roles) -> Modules {
        Modules {
            security: roles.ndr(),
            performance: roles.npm(),
        }
    }

    /// Whether the user holds any module (else detections are closed to them).
    pub fn any(self) -> bool {
        self.security || self.performance
    }

    /// Whether something in these categories is visible: a detection, or a
    /// detection format (categories such as `sec`, `sec.attack`, `perf`).
    pub fn sees<S: AsRef<str>>(self, categories: &[S]) -> bool {
        categories.iter().any(|c| {
            let top = c.as_ref().split('.').next().unwrap_or("");
            (self.security && top == "sec") || (self.performance && top == "perf")
        })
    }

    /// Whether a tuning rule of `detection_type` is visible, given the
    /// categories of that type's format (`None`: no such format).
    pub fn sees_rule<S: AsRef<str>>(self, detection_type: &str, format: Option<&[S]>) -> bool {
        match detection_type {
            "all_security" => self.security,
            "all_performance" => self.performance,
            _ => format.is_some_and(|c| self.sees(c)),
        }
    }

    /// The top-level categories visible (for storage queries).
    pub fn categories(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.security {
            v.push("sec");
        }
        if self.performance {
            v.push("perf");
        }
        v
    }
}

/// The rule of `POST /detections` and of a trigger's `commitDetection`:
/// `write: full`, and every category the new detection will carry
/// (`categories`: the ones requested, else its type's format's) in a module
/// the user holds. A user cannot make a detection they could not then see.
pub fn may_create_detection(
    roles: &Roles,
    kind: &str,
    categories: &[String],
) -> Result<(), crate::Error> {
    if roles.access().is_none_or(|a| a < Access::WriteFull) {
        return Err(crate::Error::forbidden(
            "creating detections needs \"write\": \"full\" privileges",
        ));
    }
    let m = Modules::of(roles);
    let held = |c: &String| m.sees(std::slice::from_ref(c));
    if !m.any() || !categories.iter().all(held) {
        return Err(crate::Error::forbidden(format!(
            "creating a \"{kind}\" detection (categories {categories:?}) needs access to its module"
        )));
    }
    Ok(())
}

/// The categories a new detection will carry: those requested, else its format's.
pub fn new_detection_categories(
    requested: Option<&[String]>,
    format: Option<&[String]>,
) -> Vec<String> {
    match requested {
        Some(c) if !c.is_empty() => c.to_vec(),
        _ => format.map(<[String]>::to_vec).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Modules = Modules {
        security: true,
        performance: false,
    };
    const PERF: Modules = Modules {
        security: false,
        performance: true,
    };

    #[test]
    fn categories_decide_by_their_top_level() {
        assert!(SEC.sees(&["sec", "sec.attack"]));
        assert!(!SEC.sees(&["perf", "perf.network"]));
        assert!(PERF.sees(&["perf.network"]));
        assert!(!PERF.sees(&["security"]), "a prefix is not a category");
        assert!(!Modules::NONE.sees(&["sec"]));
        assert!(Modules::ALL.sees(&["sec"]) && Modules::ALL.sees(&["perf"]));
        assert!(!Modules::ALL.sees::<&str>(&[]));
    }

    #[test]
    fn rules_follow_their_type() {
        assert!(SEC.sees_rule("all_security", None::<&[&str]>));
        assert!(!SEC.sees_rule("all_performance", None::<&[&str]>));
        assert!(PERF.sees_rule("slow_db", Some(&["perf"][..])));
        assert!(!PERF.sees_rule("port_scan", Some(&["sec", "sec.recon"][..])));
        assert!(!Modules::ALL.sees_rule("unknown", None::<&[&str]>));
    }
}
