//! Authorization declared with the route: a handler takes `Guard<P>` (or
//! `Guard<P, E>` in another error dialect) as its first argument, where `P` is
//! one privilege rule ([`Policy`]). The guard authenticates the caller and
//! checks the rule before any other extractor runs, so a 403 always beats a
//! 400 about the body. Route tables are built with [`Api`], which reads each
//! handler's rule from its signature: the OpenAPI document states it
//! (`x-wirewatch-privilege`) and a test checks every route against the
//! privilege table.
//!
//! The rules only combine the checks of [`Caller`] (one rule:
//! `wirewatch_model::access`); what depends on the object (a detection's
//! module, a ticket's detections) stays in the handler and answers 404.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter};
use axum::Router;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use std::marker::PhantomData;
use wirewatch_model::user::{Access, Roles};

/// One privilege rule.
pub trait Policy: Send + Sync + 'static {
    /// How the rule is stated with its operations.
    const PRIVILEGE: Privilege;
}

/// A privilege rule as data: its name (`x-wirewatch-privilege`), what it
/// needs in words, and its check.
#[derive(Clone, Copy)]
pub struct Privilege {
    pub name: &'static str,
    pub needs: &'static str,
    check: fn(&Caller, &PathParams) -> Result<(), ApiError>,
}

impl std::fmt::Debug for Privilege {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Privilege {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Privilege {
    /// A rule a handler checks itself (declared with [`Api::declared`]);
    /// `check` is what it needs of an API key.
    pub const fn new(
        name: &'static str,
        needs: &'static str,
        check: fn(&Caller, &PathParams) -> Result<(), ApiError>,
    ) -> Privilege {
        Privilege { name, needs, check }
    }

    /// Whether `caller` passes the rule (for checks made before the
    /// handler's own, e.g. a layer that must not answer for a caller the
    /// handler refuses).
    pub fn admits(&self, caller: &Caller) -> bool {
        (self.check)(caller, &PathParams::default()).is_ok()
    }

    /// Whether a user with these (granted) roles passes the rule for an
    /// object that is not their own (another user's name in the path).
    pub fn allows(&self, roles: &Roles) -> bool {
        if self.name == PUBLIC.name {
            return true;
        }
        let caller = Caller(wirewatch_store::AuthUser {
            id: 0,
            username: String::new(),
            roles: roles.effective(),
        });
        (self.check)(&caller, &PathParams::default()).is_ok()
    }
}

/// What the operations that need no API key state.
pub const PUBLIC: Privilege = Privilege {
    name: "public",
    needs: "nothing: no API key needed",
    check: |_, _| Ok(()),
};

/// The path parameters of the request (percent-decoded), for rules that
/// depend on whose object the path names.
#[derive(Default)]
pub struct PathParams(Vec<(String, String)>);

impl PathParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The authenticated caller of a route, having passed the rule `P`; a
/// rejection (401, 403) is answered in the dialect `E`.
pub struct Guard<P, E = ApiError>(pub Caller, PhantomData<fn() -> (P, E)>);

impl<P, E> std::ops::Deref for Guard<P, E> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: Policy, E: From<ApiError> + IntoResponse> FromRequestParts<AppState> for Guard<P, E> {
    type Rejection = E;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, E> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let params = match RawPathParams::from_request_parts(parts, state).await {
            Ok(raw) => PathParams(
                raw.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            Err(_) => PathParams::default(),
        };
        (P::PRIVILEGE.check)(&caller, &params)?;
        Ok(Guard(caller, PhantomData))
    }
}

macro_rules! policy {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $needs:literal, $check:expr) => {
        $(#[$doc])*
        pub struct $ty;

        impl Policy for $ty {
            const PRIVILEGE: Privilege = Privilege {
                name: $name,
                needs: $needs,
                check: $check,
            };
        }
    };
}

policy!(
    /// Any valid API key.
    AnyKey,
    "any_key",
    "any API key",
    |_, _| Ok(())
);
policy!(
    /// Any system access level (`metrics: restricted` or more).
    AnyAccess,
    "any_access",
    "any system access level (`metrics: restricted` or more)",
    |c, _| c.require(Access::MetricsRestricted)
);
policy!(
    /// Any `write` level (`personal` included).
    AnyWrite,
    "any_write",
    "any `write` level (`personal` included) or `system: full`",
    |c, _| c.require(Access::WritePersonal)
);
policy!(
    /// `metrics: full` or more (any `write` level included).
    MetricsFull,
    "metrics_full",
    "`metrics: full` or more (any `write` level, `system: full`)",
    |c, _| c.require(Access::MetricsFull)
);
policy!(
    /// `write: limited` or more.
    WriteLimited,
    "write_limited",
    "`write: limited` or more",
    |c, _| c.require(Access::WriteLimited)
);
policy!(
    /// `write: full` or more.
    WriteFull,
    "write_full",
    "`write: full` or `system: full`",
    |c, _| c.require(Access::WriteFull)
);
policy!(
    /// `system: full`.
    Admin,
    "admin",
    "`system: full` (system and access administration)",
    |c, _| c.require_admin()
);
policy!(
    /// `system: full`, spelled as the other access levels are.
    System,
    "system",
    "`system: full`",
    |c, _| c.require(Access::System)
);
policy!(
    /// An administrator, or the user the path names (`{username}`).
    AdminOrSelf,
    "admin_or_self",
    "`system: full`, or being the user the path names",
    |c, p| match p.get("username") {
        Some(u) if u == c.username() => Ok(()),
        _ => c.require_admin(),
    }
);
policy!(
    /// A detection module (NDR or NPM): which detections, formats and rules
    /// the caller sees follows the modules.
    ReadDetections,
    "read_detections",
    "a detection module (`ndr: full` or `npm: full`, or `system: full`); objects of the other module answer 404",
    |c, _| c.detections().map(|_| ())
);
policy!(
    /// Triage: `write: limited` or more and a detection module.
    TriageDetections,
    "triage_detections",
    "`write: limited` or more and a detection module; objects of the other module answer 404",
    |c, _| {
        c.require(Access::WriteLimited)?;
        c.detections().map(|_| ())
    }
);
policy!(
    /// `write: full` and a detection module (the module of the object's
    /// categories is checked with the object).
    WriteDetections,
    "write_detections",
    "`write: full` and a detection module (the module of the type's categories)",
    |c, _| {
        c.require(Access::WriteFull)?;
        c.detections().map(|_| ())
    }
);
policy!(
    /// Any `write` level and a detection module (Sonar MEMBER).
    Member,
    "member",
    "any `write` level (`personal` included) and a detection module (Sonar MEMBER)",
    |c, _| {
        c.require(Access::WritePersonal)?;
        c.detections().map(|_| ())
    }
);
policy!(
    /// `write: full` and a detection module (Sonar ADMIN).
    TicketAdmin,
    "ticket_admin",
    "`write: full` and a detection module (Sonar ADMIN)",
    |c, _| {
        c.require(Access::WritePersonal)?;
        c.detections()?;
        c.require(Access::WriteFull)
    }
);
policy!(
    /// The NDR (security) module.
    Ndr,
    "ndr",
    "`ndr: full` (or `system: full`)",
    |c, _| c.require_ndr()
);
policy!(
    /// The NDR module and any `write` level (investigations).
    NdrWrite,
    "ndr_write",
    "`ndr: full` and any `write` level",
    |c, _| {
        c.require(Access::WritePersonal)?;
        c.require_ndr()
    }
);
policy!(
    /// Packet access, any level (`slices_only` callers get the first 64
    /// bytes of each packet; what needs session keys checks for
    /// `full_with_keys` in the handler).
    Packets,
    "packets",
    "`packets`: `full`, `full_with_keys` or `slices_only` (then only the first 64 bytes of each packet), or `system: full`",
    |c, _| c.require_packets().map(|_| ())
);

/// The error dialect of a request body extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    ExtraHop,
    Sonar,
    Kibana,
}

/// The request body an operation reads, as its extractor declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    /// Whose 400 a malformed body answers.
    pub dialect: Dialect,
    /// Whether an empty body is accepted.
    pub optional: bool,
    /// A JSON body (else raw bytes: an attachment).
    pub json: bool,
}

/// What a handler argument (an extractor) says about its operation: the
/// request body it reads, if any.
pub trait Input {
    fn body() -> Option<Body> {
        None
    }

    /// The schema of the JSON body it reads, when its type says more than
    /// "any JSON" (a `$ref` to the type's component schema, which `g` keeps).
    fn body_schema(_g: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// The schema of a body type: a reference to its component schema, or
/// `None` for a type that accepts any JSON (`serde_json::Value`), whose
/// documentation must say what it takes.
pub(crate) fn typed<T: JsonSchema>(g: &mut SchemaGenerator) -> Option<Schema> {
    let schema = g.subschema_for::<T>();
    schema.get("$ref").is_some().then_some(schema)
}

/// A JSON body of `dialect` (`optional`: an empty one will do).
pub(crate) const fn json(dialect: Dialect, optional: bool) -> Option<Body> {
    Some(Body {
        dialect,
        optional,
        json: true,
    })
}

impl<P, E> Input for Guard<P, E> {}
impl Input for Caller {}
impl<S> Input for axum::extract::State<S> {}
impl<T> Input for axum::extract::Path<T> {}
impl<T> Input for axum::extract::Query<T> {}
impl<T> Input for crate::extract::Query<T> {}
impl Input for axum::extract::RawQuery {}
impl Input for axum::http::HeaderMap {}
impl Input for crate::extract::ClientIp {}
impl<T: Input, E> Input for Result<T, E> {
    fn body() -> Option<Body> {
        T::body()
    }

    fn body_schema(g: &mut SchemaGenerator) -> Option<Schema> {
        T::body_schema(g)
    }
}
impl<T: JsonSchema> Input for crate::extract::Json<T> {
    fn body() -> Option<Body> {
        json(Dialect::ExtraHop, false)
    }

    fn body_schema(g: &mut SchemaGenerator) -> Option<Schema> {
        typed::<T>(g)
    }
}
impl<T: JsonSchema> Input for crate::extract::AuditedJson<T> {
    fn body() -> Option<Body> {
        json(Dialect::ExtraHop, false)
    }

    fn body_schema(g: &mut SchemaGenerator) -> Option<Schema> {
        typed::<T>(g)
    }
}
impl<T: JsonSchema> Input for crate::extract::OptionalJson<T> {
    fn body() -> Option<Body> {
        json(Dialect::ExtraHop, true)
    }

    fn body_schema(g: &mut SchemaGenerator) -> Option<Schema> {
        typed::<T>(g)
    }
}
/// A raw body of the ExtraHop API (an uploaded file, a PEM text).
impl Input for crate::extract::RawBody {
    fn body() -> Option<Body> {
        Some(Body {
            dialect: Dialect::ExtraHop,
            optional: false,
            json: false,
        })
    }
}
/// A raw body (Sonar's attachment upload: the file itself).
impl Input for axum::body::Bytes {
    fn body() -> Option<Body> {
        Some(Body {
            dialect: Dialect::Sonar,
            optional: false,
            json: false,
        })
    }
}

/// A handler whose arguments are all [`Input`]s: the body it reads is known
/// from its type.
pub trait Signature<T> {
    fn body() -> Option<Body>;

    /// The schema of its JSON body, from its body extractor's type.
    fn body_schema(g: &mut SchemaGenerator) -> Option<Schema>;
}

macro_rules! signature {
    ($($t:ident),*) => {
        impl<F, Fut, $($t: Input,)*> Signature<($($t,)*)> for F
        where
            F: FnOnce($($t,)*) -> Fut,
        {
            fn body() -> Option<Body> {
                None$(.or($t::body()))*
            }

            #[allow(unused_variables)]
            fn body_schema(g: &mut SchemaGenerator) -> Option<Schema> {
                $(if let Some(s) = $t::body_schema(g) {
                    return Some(s);
                })*
                None
            }
        }
    };
}

signature!();
signature!(T1);
signature!(T1, T2);
signature!(T1, T2, T3);
signature!(T1, T2, T3, T4);
signature!(T1, T2, T3, T4, T5);
signature!(T1, T2, T3, T4, T5, T6);
signature!(T1, T2, T3, T4, T5, T6, T7);

/// A handler whose first argument is a [`Guard`]: its rule is known from its type.
pub trait Guarded<T> {
    const PRIVILEGE: Privilege;
}

macro_rules! guarded {
    ($($t:ident),*) => {
        impl<F, Fut, P: Policy, E, $($t,)*> Guarded<(P, E, $($t,)*)> for F
        where
            F: FnOnce(Guard<P, E>, $($t,)*) -> Fut,
        {
            const PRIVILEGE: Privilege = P::PRIVILEGE;
        }
    };
}

guarded!();
guarded!(T1);
guarded!(T1, T2);
guarded!(T1, T2, T3);
guarded!(T1, T2, T3, T4);
guarded!(T1, T2, T3, T4, T5);
guarded!(T1, T2, T3, T4, T5, T6);

/// One operation of the route table.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The full path, in axum's form (`/api/v1/detections/{id}`).
    pub path: String,
    pub privilege: Privilege,
    /// The request body its handler reads.
    pub body: Option<Body>,
    /// The handler's path (`wirewatch_api::routes::actions::webhook`).
    pub handler: &'static str,
    /// The schema of the JSON body it reads, from the extractor's type
    /// (`None`: no body, or any JSON).
    pub body_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
}

/// A route table that knows each operation's privilege.
pub struct Api {
    pub router: Router<AppState>,
    pub operations: Vec<Operation>,
}

impl Default for Api {
    fn default() -> Self {
        Api::new()
    }
}

macro_rules! method {
    ($name:ident, $public:ident, $method:ident) => {
        /// A route whose handler takes a [`Guard`] first.
        pub fn $name<H, T, G, S>(self, path: &str, handler: H) -> Self
        where
            H: Handler<T, AppState> + Guarded<G> + Signature<S>,
            T: 'static,
        {
            self.add(Method::$method, path, handler, H::PRIVILEGE)
        }

        /// A route that needs no API key.
        pub fn $public<H, T, S>(self, path: &str, handler: H) -> Self
        where
            H: Handler<T, AppState> + Signature<S>,
            T: 'static,
        {
            self.add(Method::$method, path, handler, PUBLIC)
        }
    };
}

impl Api {
    pub fn new() -> Api {
        Api {
            router: Router::new(),
            operations: Vec::new(),
        }
    }

    method!(get, public_get, GET);
    method!(post, public_post, POST);
    method!(put, public_put, PUT);
    method!(patch, public_patch, PATCH);
    method!(delete, public_delete, DELETE);

    fn add<H, T, S>(mut self, method: Method, path: &str, handler: H, privilege: Privilege) -> Self
    where
        H: Handler<T, AppState> + Signature<S>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a routable method");
        self.router = self.router.route(path, on(filter, handler));
        self.operations.push(Operation {
            method,
            path: path.to_string(),
            privilege,
            body: H::body(),
            handler: std::any::type_name::<H>(),
            body_schema: H::body_schema,
        });
        self
    }

    /// A route whose handler authorizes by other means than a [`Guard`]
    /// (a token in the request), stating the privilege it applies.
    pub fn declared<H, T, S>(
        self,
        method: Method,
        path: &str,
        handler: H,
        privilege: Privilege,
    ) -> Self
    where
        H: Handler<T, AppState> + Signature<S>,
        T: 'static,
    {
        self.add(method, path, handler, privilege)
    }

    pub fn merge(mut self, other: Api) -> Self {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self
    }

    /// The operations under `prefix` (the router is nested by the caller).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        for op in &mut self.operations {
            op.path = format!("{prefix}{}", op.path);
        }
        self
    }
}
