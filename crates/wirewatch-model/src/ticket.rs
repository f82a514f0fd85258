//! Internal tickets (the Logpresso Sonar ticket model): one ticket per
//! detection type and offender while it is open, worked through assignment,
//! submission and approval.
//!
//! Workflow: NEW → ASSIGNED (assignees set) → IN_PROGRESS (an assignee starts)
//! → SUBMITTED (needs approvers and every assignee task CLOSED) → APPROVED or
//! REJECTED (an approver decides; REJECTED goes back to work) → CLOSED.
//! Closing is allowed from any state; reopening returns a closed ticket to work.

use crate::detection::Status;
use serde::{Deserialize, Serialize};

/// A GUID as tickets, comments and attachments have them (36 characters,
/// 8-4-4-4-12 hexadecimal digits): what `wirewatch_store::is_guid` accepts.
pub const GUID_PATTERN: &str =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

/// Sonar's date form, `yyyy-MM-dd HH:mm:ssZ` (`2026-01-05 09:12:44+0900`).
pub const DATE_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}$";

/// Ticket status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[schemars(inline)]
pub enum TicketStatus {
    New,
    Assigned,
    InProgress,
    Submitted,
    Approved,
    Rejected,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 7] = [
        TicketStatus::New,
        TicketStatus::Assigned,
        TicketStatus::InProgress,
        TicketStatus::Submitted,
        TicketStatus::Approved,
        TicketStatus::Rejected,
        TicketStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "NEW",
            TicketStatus::Assigned => "ASSIGNED",
            TicketStatus::InProgress => "IN_PROGRESS",
            TicketStatus::Submitted => "SUBMITTED",
            TicketStatus::Approved => "APPROVED",
            TicketStatus::Rejected => "REJECTED",
            TicketStatus::Closed => "CLOSED",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The detection status a ticket in this state gives its detections.
    pub fn detection_status(self) -> Status {
        match self {
            TicketStatus::New | TicketStatus::Assigned => Status::Acknowledged,
            TicketStatus::InProgress | TicketStatus::Submitted | TicketStatus::Rejected => {
                Status::InProgress
            }
            TicketStatus::Approved | TicketStatus::Closed => Status::Closed,
        }
    }
}

/// Ticket priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(inline)]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "HIGH",
            Priority::Medium => "MEDIUM",
            Priority::Low => "LOW",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        [Priority::High, Priority::Medium, Priority::Low]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// ExtraHop's risk bands: 80 and above high, 31–79 medium, 30 and below low.
    pub fn from_risk(risk: u8) -> Priority {
        match risk {
            80.. => Priority::High,
            31..=79 => Priority::Medium,
            _ => Priority::Low,
        }
    }
}

/// Format of a ticket's or a comment's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(inline)]
pub enum Format {
    Json,
    Markdown,
    Plain,
}

/// Status of one person's task on a ticket: an assignee's is `ASSIGNED`,
/// `IN_PROGRESS` or `CLOSED`; `APPROVED` and `REJECTED` are an approver's
/// decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[schemars(inline)]
pub enum TaskStatus {
    Assigned,
    InProgress,
    Closed,
    // An approver's decision.
    Approved,
    Rejected,
}

/// An assignee or approver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub username: String,
    /// The person's display name when assigned (kept if the account is deleted).
    pub name: String,
    pub task_status: TaskStatus,
}

/// A comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub guid: String,
    pub username: String,
    pub name: String,
    pub format: Format,
    pub content: String,
    pub created: i64,
    pub updated: i64,
}

/// An attachment's description (the bytes are stored apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub guid: String,
    pub username: String,
    pub file_name: String,
    pub file_size: u64,
    pub content_type: String,
    pub created: i64,
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: u32,
    pub guid: String,
    pub title: String,
    pub priority: Priority,
    pub status: TicketStatus,
    pub format: Format,
    /// The detection type (the "rule"); empty for a ticket made by hand.
    pub rule: String,
    pub rule_name: String,
    /// The offender this ticket groups detections of.
    pub offender: String,
    pub count: u32,
    pub content: String,
    pub risk_score: Option<u8>,
    pub mitre_techniques: Vec<String>,
    pub attack: bool,
    pub incident: bool,
    pub assignees: Vec<Task>,
    pub approvers: Vec<Task>,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
    pub created: i64,
    pub updated: i64,
    pub closed: Option<i64>,
    /// Who opened it (`system` for tickets made from detections).
    pub author: String,
    pub author_name: String,
    /// Detections merged into this ticket, oldest first (kept in their own
    /// table by the store, filled in when a ticket is read).
    #[serde(default, skip_serializing)]
    pub detection_ids: Vec<u64>,
}

/// A workflow step refused, with the reason for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowError(pub String);

impl Ticket {
    pub fn is_open(&self) -> bool {
        self.status != TicketStatus::Closed
    }

    /// The assignee shown on the ticket's detections.
    pub fn lead_assignee(&self) -> Option<&str> {
        self.assignees.first().map(|t| t.username.as_str())
    }

    /// Set assignees and approvers (None leaves a list as it is). A NEW
    /// ticket with assignees becomes ASSIGNED.
    pub fn assign(&mut self, assignees: Option<Vec<Task>>, approvers: Option<Vec<Task>>) {
        if let Some(a) = assignees {
            self.assignees = a;
        }
        if let Some(a) = approvers {
            self.approvers = a;
        }
        if self.status == TicketStatus::New && !self.assignees.is_empty() {
            self.status = TicketStatus::Assigned;
        }
        if self.status == TicketStatus::Assigned && self.assignees.is_empty() {
            self.status = TicketStatus::New;
        }
    }

    /// An assignee changes their task: IN_PROGRESS moves the ticket to
    /// IN_PROGRESS; CLOSED marks their part done.
    pub fn set_task(&mut self, username: &str, status: TaskStatus) -> Result<(), WorkflowError> {
        if !matches!(
            self.status,
            TicketStatus::Assigned | TicketStatus::InProgress | TicketStatus::Rejected
        ) {
            return Err(WorkflowError(format!(
                "tasks can change only while the ticket is ASSIGNED, IN_PROGRESS or REJECTED (it is {})",
                self.status.as_str()
            )));
        }
        if !matches!(
            status,
            TaskStatus::Assigned | TaskStatus::InProgress | TaskStatus::Closed
        ) {
            return Err(WorkflowError(
                "an assignee's task status is ASSIGNED, IN_PROGRESS or CLOSED".into(),
            ));
        }
        let task = self
            .assignees
            .iter_mut()
            .find(|t| t.username == username)
            .ok_or_else(|| {
                WorkflowError(format!("{username} is not an assignee of this ticket"))
            })?;
        task.task_status = status;
        if status != TaskStatus::Assigned {
            self.status = TicketStatus::InProgress;
        }
        Ok(())
    }

    /// Submit for approval: needs approvers and every assignee task CLOSED.
    pub fn submit(&mut self) -> Result<(), WorkflowError> {
        if !matches!(
            self.status,
            TicketStatus::Assigned | TicketStatus::InProgress | TicketStatus::Rejected
        ) {
            return Err(WorkflowError(format!(
                "only a ticket being worked on can be submitted (it is {})",
                self.status.as_str()
            )));
        }
        if self.approvers.is_empty() {
            return Err(WorkflowError("the ticket has no approvers".into()));
        }
        if self.assignees.is_empty() {
            return Err(WorkflowError("the ticket has no assignees".into()));
        }
        if let Some(t) = self
            .assignees
            .iter()
            .find(|t| t.task_status != TaskStatus::Closed)
        {
            return Err(WorkflowError(format!(
                "the task of {} is not CLOSED",
                t.username
            )));
        }
        for a in &mut self.approvers {
            a.task_status = TaskStatus::Assigned;
        }
        self.status = TicketStatus::Submitted;
        Ok(())
    }

    /// An approver approves or rejects a submitted ticket. Rejection sends
    /// it back to work (assignee tasks reopen to IN_PROGRESS).
    pub fn decide(&mut self, username: &str, approve: bool) -> Result<(), WorkflowError> {
        if self.status != TicketStatus::Submitted {
            return Err(WorkflowError(format!(
                "only a SUBMITTED ticket can be approved or rejected (it is {})",
                self.status.as_str()
            )));
        }
        let task = self
            .approvers
            .iter_mut()
            .find(|t| t.username == username)
            .ok_or_else(|| {
                WorkflowError(format!("{username} is not an approver of this ticket"))
            })?;
        if approve {
            task.task_status = TaskStatus::Approved;
            self.status = TicketStatus::Approved;
        } else {
            task.task_status = TaskStatus::Rejected;
            self.status = TicketStatus::Rejected;
            for a in &mut self.assignees {
                a.task_status = TaskStatus::InProgress;
            }
        }
        Ok(())
    }

    /// Close from any state.
    pub fn close(&mut self, now: i64) -> Result<(), WorkflowError> {
        if self.status == TicketStatus::Closed {
            return Err(WorkflowError("the ticket is already CLOSED".into()));
        }
        self.status = TicketStatus::Closed;
        self.closed = Some(now);
        Ok(())
    }

    /// Reopen a closed or approved ticket: back to work.
    pub fn reopen(&mut self) -> Result<(), WorkflowError> {
        if !matches!(self.status, TicketStatus::Closed | TicketStatus::Approved) {
            return Err(WorkflowError(format!(
                "only a CLOSED or APPROVED ticket can be reopened (it is {})",
                self.status.as_str()
            )));
        }
        self.closed = None;
        for a in &mut self.assignees {
            a.task_status = TaskStatus::Assigned;
        }
        for a in &mut self.approvers {
            a.task_status = TaskStatus::Assigned;
        }
        self.status = if self.assignees.is_empty() {
            TicketStatus::New
        } else {
            TicketStatus::Assigned
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(u: &str) -> Task {
        Task {
            username: u.into(),
            name: u.into(),
            task_status: TaskStatus::Assigned,
        }
    }

    fn ticket() -> Ticket {
        Ticket {
            id: 1,
            guid: "g".into(),
            title: "t".into(),
            priority: Priority::Low,
            status: TicketStatus::New,
            format: Format::Json,
            rule: "port_scan".into(),
            rule_name: "Port Scan".into(),
            offender: "10.0.0.1".into(),
            count: 1,
            content: "{}".into(),
            risk_score: Some(30),
            mitre_techniques: vec![],
            attack: false,
            incident: false,
            assignees: vec![],
            approvers: vec![],
            comments: vec![],
            attachments: vec![],
            created: 0,
            updated: 0,
            closed: None,
            author: "system".into(),
            author_name: "system".into(),
            detection_ids: vec![1],
        }
    }

    #[test]
    fn the_whole_workflow_and_its_refusals() {
        let mut t = ticket();
        assert!(t.submit().is_err());
        t.assign(Some(vec![task("ann"), task("bob")]), None);
        assert_eq!(t.status, TicketStatus::Assigned);
        assert!(t.set_task("eve", TaskStatus::InProgress).is_err());
        t.set_task("ann", TaskStatus::InProgress).unwrap();
        assert_eq!(t.status, TicketStatus::InProgress);
        t.set_task("ann", TaskStatus::Closed).unwrap();
        // No approvers yet, and bob is not done.
        assert!(t.submit().unwrap_err().0.contains("approvers"));
        t.assign(None, Some(vec![task("cat")]));
        assert!(t.submit().unwrap_err().0.contains("bob"));
        t.set_task("bob", TaskStatus::Closed).unwrap();
        t.submit().unwrap();
        assert_eq!(t.status, TicketStatus::Submitted);
        assert!(t.decide("ann", true).is_err());
        t.decide("cat", false).unwrap();
        assert_eq!(t.status, TicketStatus::Rejected);
        assert!(t
            .assignees
            .iter()
            .all(|a| a.task_status == TaskStatus::InProgress));
        t.set_task("ann", TaskStatus::Closed).unwrap();
        t.set_task("bob", TaskStatus::Closed).unwrap();
        t.submit().unwrap();
        t.decide("cat", true).unwrap();
        assert_eq!(t.status, TicketStatus::Approved);
        assert_eq!(t.status.detection_status(), Status::Closed);
        t.close(5).unwrap();
        assert_eq!(t.closed, Some(5));
        assert!(t.close(6).is_err());
        t.reopen().unwrap();
        assert_eq!(t.status, TicketStatus::Assigned);
        assert_eq!(t.closed, None);
    }

    #[test]
    fn priorities_follow_extrahop_risk_bands() {
        assert_eq!(Priority::from_risk(80), Priority::High);
        assert_eq!(Priority::from_risk(79), Priority::Medium);
        assert_eq!(Priority::from_risk(31), Priority::Medium);
        assert_eq!(Priority::from_risk(30), Priority::Low);
    }
}
