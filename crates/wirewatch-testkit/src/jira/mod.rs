//! The fake Jira Cloud (REST API v2): issue state and its JSON rendering.
//! The HTTP handlers live in `routes`.

mod routes;

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::clock::Utc;
use crate::ids;

pub(crate) use routes::routes;

/// Issue ids are numbers from here on, as on a fresh Jira site.
const FIRST_ISSUE_ID: u64 = 10_000;
const FIRST_PROJECT_ID: u64 = 10_000;
const FIRST_COMMENT_ID: u64 = 10_000;
/// Jira rejects a longer summary.
pub(crate) const MAX_SUMMARY_CHARS: usize = 255;
/// Jira rejects a longer label.
pub(crate) const MAX_LABEL_CHARS: usize = 255;

/// An issue type: (id, name, description).
pub(crate) struct IssueType {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    description: &'static str,
}

pub(crate) const ISSUE_TYPES: [IssueType; 3] = [
    IssueType {
        id: "10001",
        name: "Task",
        description: "A small, distinct piece of work.",
    },
    IssueType {
        id: "10002",
        name: "Bug",
        description: "A problem or error.",
    },
    IssueType {
        id: "10003",
        name: "Incident",
        description: "A security incident to investigate.",
    },
];

pub(crate) struct Priority {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
}

pub(crate) const PRIORITIES: [Priority; 5] = [
    Priority {
        id: "1",
        name: "Highest",
    },
    Priority {
        id: "2",
        name: "High",
    },
    Priority {
        id: "3",
        name: "Medium",
    },
    Priority {
        id: "4",
        name: "Low",
    },
    Priority {
        id: "5",
        name: "Lowest",
    },
];
const DEFAULT_PRIORITY: usize = 2;

/// A workflow status with its category, and the transition that leads to it.
pub(crate) struct Status {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    category_id: u32,
    category_key: &'static str,
    category_color: &'static str,
    pub(crate) transition_id: &'static str,
}

/// The three statuses of the simplified workflow; every transition is
/// available from every status.
pub(crate) const STATUSES: [Status; 3] = [
    Status {
        id: "10000",
        name: "To Do",
        category_id: 2,
        category_key: "new",
        category_color: "blue-gray",
        transition_id: "11",
    },
    Status {
        id: "3",
        name: "In Progress",
        category_id: 4,
        category_key: "indeterminate",
        category_color: "yellow",
        transition_id: "21",
    },
    Status {
        id: "10001",
        name: "Done",
        category_id: 3,
        category_key: "done",
        category_color: "green",
        transition_id: "31",
    },
];
const DONE: usize = 2;

/// A person as Jira shows one.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    display_name: String,
    email: String,
}

impl Person {
    /// The API user: its Basic-auth name is the account e-mail.
    pub(crate) fn api_user(email: &str) -> Person {
        let display = email.split('@').next().unwrap_or(email);
        Person {
            display_name: display.to_owned(),
            email: email.to_owned(),
        }
    }

    /// Someone known by display name (an analyst assigned in the Jira UI).
    fn named(display_name: &str) -> Person {
        let local: String = display_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '.'
                }
            })
            .collect();
        Person {
            display_name: display_name.to_owned(),
            email: format!("{local}@example.com"),
        }
    }

    pub(crate) fn account_id(&self) -> String {
        ids::account_id(&self.email)
    }

    pub(crate) fn render(&self, base: &str) -> Value {
        let account_id = self.account_id();
        json!({
            "self": format!("{base}/rest/api/2/user?accountId={account_id}"),
            "accountId": account_id,
            "emailAddress": self.email,
            "displayName": self.display_name,
            "active": true,
            "timeZone": "UTC",
            "accountType": "atlassian",
        })
    }
}

#[derive(Debug)]
struct Project {
    id: u64,
    key: String,
    next_number: u64,
}

#[derive(Debug)]
struct Comment {
    id: u64,
    body: String,
    author: Person,
    created: String,
}

#[derive(Debug)]
struct Issue {
    id: u64,
    key: String,
    project: usize,
    summary: String,
    description: Option<String>,
    issuetype: usize,
    priority: usize,
    labels: Vec<String>,
    status: usize,
    assignee: Option<Person>,
    reporter: Person,
    created: String,
    updated: String,
    resolutiondate: Option<String>,
    comments: Vec<Comment>,
}

/// What a create request carries once validated.
#[derive(Debug)]
pub(crate) struct NewIssue {
    pub(crate) project: ProjectRef,
    pub(crate) summary: String,
    pub(crate) description: Option<String>,
    pub(crate) issuetype: usize,
    pub(crate) priority: Option<usize>,
    pub(crate) labels: Vec<String>,
}

/// A project named by key (created on first use) or by existing id.
#[derive(Debug)]
pub(crate) enum ProjectRef {
    Key(String),
    Index(usize),
}

/// A validated edit; `None` leaves a field alone.
#[derive(Debug, Default)]
pub(crate) struct Edit {
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<Option<String>>,
    pub(crate) priority: Option<usize>,
    pub(crate) labels: Option<Vec<String>>,
    pub(crate) add_labels: Vec<String>,
    pub(crate) remove_labels: Vec<String>,
    pub(crate) comments: Vec<String>,
}

/// All Jira-side state.
#[derive(Debug)]
pub(crate) struct Store {
    issues: Vec<Issue>,
    by_key: HashMap<String, usize>,
    projects: Vec<Project>,
    next_comment_id: u64,
}

impl Store {
    pub(crate) fn new() -> Store {
        Store {
            issues: Vec::new(),
            by_key: HashMap::new(),
            projects: vec![Project {
                id: FIRST_PROJECT_ID,
                key: "SEC".to_owned(),
                next_number: 1,
            }],
            next_comment_id: FIRST_COMMENT_ID,
        }
    }

    /// Resolves an existing project by numeric id.
    pub(crate) fn project_by_id(&self, id: &str) -> Option<usize> {
        self.projects.iter().position(|p| p.id.to_string() == id)
    }

    /// Resolves a project id or key; keys are always accepted.
    pub(crate) fn knows_project(&self, id_or_key: &str) -> bool {
        self.project_by_id(id_or_key).is_some() || valid_project_key(id_or_key)
    }

    fn project_by_key(&mut self, key: &str) -> usize {
        if let Some(i) = self.projects.iter().position(|p| p.key == key) {
            return i;
        }
        self.projects.push(Project {
            id: FIRST_PROJECT_ID + self.projects.len() as u64,
            key: key.to_owned(),
            next_number: 1,
        });
        self.projects.len() - 1
    }

    /// Index of an issue by id (`10000`) or key (`SEC-1`, any case).
    pub(crate) fn find(&self, id_or_key: &str) -> Option<usize> {
        if let Ok(id) = id_or_key.parse::<u64>() {
            let idx = id.checked_sub(FIRST_ISSUE_ID)? as usize;
            return (idx < self.issues.len()).then_some(idx);
        }
        self.by_key.get(&id_or_key.to_ascii_uppercase()).copied()
    }

    /// Issues matching a JQL conjunction of `project = X` and `labels = Y`
    /// clauses (the subset the fake understands), in creation order.
    pub(crate) fn search(&self, project: Option<&str>, labels: &[String]) -> Vec<usize> {
        (0..self.issues.len())
            .filter(|&i| {
                let issue = &self.issues[i];
                project.is_none_or(|p| {
                    let pr = &self.projects[issue.project];
                    pr.key.eq_ignore_ascii_case(p) || pr.id.to_string() == p
                }) && labels.iter().all(|l| issue.labels.contains(l))
            })
            .collect()
    }

    /// Creates an issue; returns (id, key).
    pub(crate) fn create(&mut self, new: NewIssue, reporter: Person) -> (u64, String) {
        let project = match new.project {
            ProjectRef::Key(key) => self.project_by_key(&key),
            ProjectRef::Index(i) => i,
        };
        let p = &mut self.projects[project];
        let key = format!("{}-{}", p.key, p.next_number);
        p.next_number += 1;
        let id = FIRST_ISSUE_ID + self.issues.len() as u64;
        let now = Utc::now().jira();
        self.by_key.insert(key.clone(), self.issues.len());
        self.issues.push(Issue {
            id,
            key: key.clone(),
            project,
            summary: new.summary,
            description: new.description,
            issuetype: new.issuetype,
            priority: new.priority.unwrap_or(DEFAULT_PRIORITY),
            labels: new.labels,
            status: 0,
            assignee: None,
            reporter,
            created: now.clone(),
            updated: now,
            resolutiondate: None,
            comments: Vec::new(),
        });
        (id, key)
    }

    /// Applies a validated edit, with `author` for any comment it adds.
    pub(crate) fn edit(&mut self, idx: usize, edit: Edit, author: &Person) {
        let now = Utc::now().jira();
        let issue = &mut self.issues[idx];
        if let Some(summary) = edit.summary {
            issue.summary = summary;
        }
        if let Some(description) = edit.description {
            issue.description = description;
        }
        if let Some(priority) = edit.priority {
            issue.priority = priority;
        }
        if let Some(labels) = edit.labels {
            issue.labels = labels;
        }
        for label in edit.add_labels {
            if !issue.labels.contains(&label) {
                issue.labels.push(label);
            }
        }
        issue.labels.retain(|l| !edit.remove_labels.contains(l));
        issue.updated = now;
        for body in edit.comments {
            self.add_comment(idx, body, author.clone());
        }
    }

    /// Adds a comment; returns its index within the issue.
    pub(crate) fn add_comment(&mut self, idx: usize, body: String, author: Person) -> usize {
        let now = Utc::now().jira();
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        let issue = &mut self.issues[idx];
        issue.comments.push(Comment {
            id,
            body,
            author,
            created: now.clone(),
        });
        issue.updated = now;
        issue.comments.len() - 1
    }

    /// Moves an issue to a status (index into [`STATUSES`]).
    pub(crate) fn set_status(&mut self, idx: usize, status: usize) {
        let now = Utc::now().jira();
        let issue = &mut self.issues[idx];
        if issue.status != status {
            issue.resolutiondate = (status == DONE).then(|| now.clone());
        }
        issue.status = status;
        issue.updated = now;
    }

    /// Sets or clears the assignee by display name.
    pub(crate) fn set_assignee(&mut self, idx: usize, display_name: Option<&str>) {
        let issue = &mut self.issues[idx];
        issue.assignee = display_name.map(Person::named);
        issue.updated = Utc::now().jira();
    }

    /// Every issue, rendered, in creation order.
    pub(crate) fn render_all(&self, base: &str) -> Vec<Value> {
        (0..self.issues.len())
            .map(|i| self.render(i, base, None))
            .collect()
    }

    /// A user known to this site (assignee, reporter or comment author).
    pub(crate) fn person_by_account(&self, account_id: &str) -> Option<Person> {
        self.issues.iter().find_map(|issue| {
            std::iter::once(&issue.reporter)
                .chain(issue.assignee.as_ref())
                .chain(issue.comments.iter().map(|c| &c.author))
                .find(|p| p.account_id() == account_id)
                .cloned()
        })
    }

    /// An issue as `GET /rest/api/2/issue/{key}` returns it; `only` keeps
    /// the listed fields (the `fields` query parameter).
    pub(crate) fn render(&self, idx: usize, base: &str, only: Option<&FieldFilter>) -> Value {
        let issue = &self.issues[idx];
        let project = &self.projects[issue.project];
        let mut fields = Map::new();
        let mut put = |name: &str, value: Value| {
            if only.is_none_or(|f| f.keeps(name)) {
                fields.insert(name.to_owned(), value);
            }
        };
        put("summary", json!(issue.summary));
        put("description", json!(issue.description));
        put("labels", json!(issue.labels));
        put(
            "issuetype",
            render_issuetype(&ISSUE_TYPES[issue.issuetype], base),
        );
        put(
            "priority",
            render_priority(&PRIORITIES[issue.priority], base),
        );
        put(
            "project",
            json!({
                "self": format!("{base}/rest/api/2/project/{}", project.id),
                "id": project.id.to_string(),
                "key": project.key,
                "name": project.key,
                "projectTypeKey": "software",
            }),
        );
        put("status", render_status(&STATUSES[issue.status], base));
        put(
            "resolution",
            if issue.status == DONE {
                json!({
                    "self": format!("{base}/rest/api/2/resolution/10000"),
                    "id": "10000",
                    "name": "Done",
                    "description": "Work has been completed on this issue.",
                })
            } else {
                Value::Null
            },
        );
        put("resolutiondate", json!(issue.resolutiondate));
        put(
            "assignee",
            issue
                .assignee
                .as_ref()
                .map_or(Value::Null, |p| p.render(base)),
        );
        put("reporter", issue.reporter.render(base));
        put("created", json!(issue.created));
        put("updated", json!(issue.updated));
        let comments: Vec<Value> = (0..issue.comments.len())
            .map(|c| self.render_comment(idx, c, base))
            .collect();
        put(
            "comment",
            json!({
                "comments": comments,
                "maxResults": comments.len(),
                "total": comments.len(),
                "startAt": 0,
            }),
        );
        json!({
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue.id.to_string(),
            "self": format!("{base}/rest/api/2/issue/{}", issue.id),
            "key": issue.key,
            "fields": fields,
        })
    }

    pub(crate) fn render_comment(&self, idx: usize, comment: usize, base: &str) -> Value {
        let issue = &self.issues[idx];
        let c = &issue.comments[comment];
        json!({
            "self": format!("{base}/rest/api/2/issue/{}/comment/{}", issue.id, c.id),
            "id": c.id.to_string(),
            "author": c.author.render(base),
            "body": c.body,
            "updateAuthor": c.author.render(base),
            "created": c.created,
            "updated": c.created,
            "jsdPublic": true,
        })
    }

    pub(crate) fn render_comments(&self, idx: usize, base: &str) -> Value {
        let comments: Vec<Value> = (0..self.issues[idx].comments.len())
            .map(|c| self.render_comment(idx, c, base))
            .collect();
        json!({
            "startAt": 0,
            "maxResults": comments.len(),
            "total": comments.len(),
            "comments": comments,
        })
    }
}

/// The `fields` query parameter of a GET: names to keep, `-name` to drop,
/// `*all` / `*navigable` for everything.
#[derive(Debug)]
pub(crate) struct FieldFilter {
    all: bool,
    keep: Vec<String>,
    drop: Vec<String>,
}

impl FieldFilter {
    pub(crate) fn parse(spec: &str) -> FieldFilter {
        let mut filter = FieldFilter {
            all: false,
            keep: Vec::new(),
            drop: Vec::new(),
        };
        for name in spec.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "*all" || name == "*navigable" {
                filter.all = true;
            } else if let Some(dropped) = name.strip_prefix('-') {
                filter.drop.push(dropped.to_owned());
            } else {
                filter.keep.push(name.to_owned());
            }
        }
        if filter.keep.is_empty() {
            filter.all = true;
        }
        filter
    }

    fn keeps(&self, name: &str) -> bool {
        (self.all || self.keep.iter().any(|k| k == name)) && !self.drop.iter().any(|d| d == name)
    }
}

/// Jira project keys: an uppercase letter, then uppercase letters, digits or
/// underscores; 2 to 10 characters.
pub(crate) fn valid_project_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    (2..=10).contains(&bytes.len())
        && bytes[0].is_ascii_uppercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

pub(crate) fn render_issuetype(t: &IssueType, base: &str) -> Value {
    json!({
        "self": format!("{base}/rest/api/2/issuetype/{}", t.id),
        "id": t.id,
        "description": t.description,
        "iconUrl": format!("{base}/images/icons/issuetypes/{}.png", t.name.to_ascii_lowercase()),
        "name": t.name,
        "subtask": false,
        "hierarchyLevel": 0,
    })
}

fn render_priority(p: &Priority, base: &str) -> Value {
    json!({
        "self": format!("{base}/rest/api/2/priority/{}", p.id),
        "iconUrl": format!("{base}/images/icons/priorities/{}.svg", p.name.to_ascii_lowercase()),
        "name": p.name,
        "id": p.id,
    })
}

pub(crate) fn render_status(s: &Status, base: &str) -> Value {
    json!({
        "self": format!("{base}/rest/api/2/status/{}", s.id),
        "description": "",
        "iconUrl": format!("{base}/images/icons/statuses/generic.png"),
        "name": s.name,
        "id": s.id,
        "statusCategory": {
            "self": format!("{base}/rest/api/2/statuscategory/{}", s.category_id),
            "id": s.category_id,
            "key": s.category_key,
            "colorName": s.category_color,
            "name": s.name,
        },
    })
}
