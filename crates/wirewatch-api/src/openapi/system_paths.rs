//! Operations on the system resources under `/extrahop` (services,
//! processes, TLS certificate, detections access, cluster, flow log secret,
//! cloud resources), `/usergroups` and `/auth`.

use super::{array, r, Op, Paths};
use serde_json::json;

const ADMIN: &str = "Requires system and access administration privileges (`system: full`).";

pub(super) const GROUP_TAG: &str = "User Group";
pub(super) const GROUP_TAG_TEXT: &str = "Local groups of users. Members hold the group's privileges \
    (`granted_roles`, a wirewatch extension) in addition to their own; wirewatch has no LDAP directory.";
pub(super) const AUTH_TAG: &str = "Auth";
pub(super) const AUTH_TAG_TEXT: &str = "SAML 2.0 identity providers, how their assertions' attributes map to \
    privileges, and this sensor's service provider metadata. SAML login itself is not implemented yet.";

pub(super) fn add(p: &mut Paths) {
    extrahop(p);
    certificate(p);
    usergroups(p);
    auth(p);
}

fn services_schema() -> serde_json::Value {
    let svc = json!({"type": "object", "required": ["enabled"],
        "properties": {"enabled": {"type": "boolean"}}});
    json!({"type": "object", "description": "Each service and whether it is enabled.",
        "properties": {"admin": svc, "snmp": svc, "ssh": svc, "keyreceiver": svc,
            "api": svc, "capture": svc, "ods": svc, "triggers": svc}})
}

fn extrahop(p: &mut Paths) {
    let tag = "ExtraHop";
    p.add(
        "get",
        "/extrahop/services",
        Op::new(tag, "getServices", "Get the services and whether they are enabled")
            .describe(&format!(
                "`admin` is the web app (the Management GUI); `snmp`, `ssh` and `keyreceiver` do not exist \
                 in wirewatch and are always `false`. wirewatch extensions: `api` (the REST API), `capture` \
                 (capture files, interfaces or EVE given to `serve`), `ods` (ODS delivery) and `triggers` \
                 (the trigger engine) say what runs in this server. {ADMIN}"
            ))
            .ok("200", "The services.", services_schema())
            .errors(&[403]),
    );
    p.add(
        "patch",
        "/extrahop/services",
        Op::new(tag, "updateServices", "Enable or disable services")
            .describe(&format!(
                "`admin` turns the web app on or off at once (the API is not affected; stored, so it \
                 holds across restarts). Enabling `snmp`, `ssh` or `keyreceiver`, or changing `capture`, \
                 `ods` or `triggers` (chosen when `serve` starts) answers 501 saying why; `api` cannot be \
                 turned off (400). {ADMIN}"
            ))
            .refined_body(
                services_schema(),
                json!({"admin": {"enabled": false}}),
                "Services by name, each `{\"enabled\": true|false}`; an unknown name is a 400 naming it.",
            )
            .empty("204", "The settings were applied.")
            .errors(&[403, 501]),
    );
    p.add(
        "get",
        "/extrahop/processes",
        Op::new(tag, "getProcesses", "List the server's processes and components")
            .describe(&format!(
                "Read from `/proc`: the server process (`wirewatch`) and its components, each the threads \
                 of one kind (`runtime`, `store`, `capture`, `triggers`, `other`) with their CPU time and \
                 average use since they started; memory is the process's, which threads share. `exremote` \
                 (ODS delivery, on the runtime's workers, so its figures are `runtime`'s) is listed when \
                 ODS delivery runs, and is the one that can be restarted. {ADMIN}"
            ))
            .ok("200", "The processes.", array(r("Process")))
            .errors(&[403, 501]),
    );
    p.add(
        "post",
        "/extrahop/processes/{process}/restart",
        Op::new(tag, "restartProcess", "Restart a process")
            .describe(&format!(
                "`exremote` restarts ODS delivery: every target's worker stops and a new one starts (the \
                 outbox is durable; a message in flight may be sent again). The other components are threads \
                 of one process and cannot restart alone: they, and ExtraHop's other process names, answer \
                 501; an unknown name 404. {ADMIN}"
            ))
            .path(
                "process",
                "The process: `exremote`, or a name of `GET /extrahop/processes`.",
                json!({"type": "string"}),
            )
            .empty("204", "The process was restarted.")
            .errors(&[403, 404, 501]),
    );
    p.add(
        "get",
        "/extrahop/detections/access",
        Op::new(tag, "getDetectionsAccess", "Get the detections access setting")
            .describe(&format!(
                "wirewatch always restricts detections to the modules (`ndr`, `npm`) a user holds, so this \
                 is `true`. {ADMIN}"
            ))
            .ok("200", "The setting.", r("DetectionsAccess"))
            .errors(&[403]),
    );
    p.add(
        "put",
        "/extrahop/detections/access",
        Op::new(tag, "updateDetectionsAccess", "Enable detections access control")
            .describe(&format!(
                "`true` is accepted; `false` answers 400: the setting cannot be disabled once enabled. {ADMIN}"
            ))
            .body_example(json!({"enabled": true}))
            .empty("204", "The setting was saved.")
            .errors(&[403]),
    );
    p.add(
        "get",
        "/extrahop/cluster",
        Op::new(tag, "getCluster", "Get the record store cluster settings")
            .describe(&format!(
                "The embedded record store is a single node: records are always ingested and kept once \
                 (`replication_policy` 1). A scale-out store is another matter. {ADMIN}"
            ))
            .ok("200", "The settings.", r("Cluster"))
            .errors(&[403]),
    );
    p.add(
        "patch",
        "/extrahop/cluster",
        Op::new(tag, "updateCluster", "Update the record store cluster settings")
            .describe(&format!(
                "Only the single node's values are accepted (`ingest_enabled` true, `replication_policy` 1); \
                 others answer 400 saying why. {ADMIN}"
            ))
            .body_example(json!({"ingest_enabled": true, "replication_policy": 1}))
            .empty("204", "Nothing to change.")
            .errors(&[403]),
    );
    p.add(
        "get",
        "/extrahop/flowlogs/secret",
        Op::new(tag, "getFlowlogsSecret", "Get the flow log secret")
            .describe(&format!(
                "The secret is made by `POST` (404 until then) and stored encrypted; it is never written to \
                 the audit log. wirewatch does not receive cloud flow logs yet: the secret is kept for the \
                 integrations that configure it. {ADMIN}"
            ))
            .ok("200", "The secret.", r("FlowlogsSecret"))
            .errors(&[403, 404]),
    );
    p.add(
        "post",
        "/extrahop/flowlogs/secret",
        Op::new(
            tag,
            "createFlowlogsSecret",
            "Generate a new flow log secret",
        )
        .describe(&format!("Replaces the previous secret. {ADMIN}"))
        .empty("204", "A new secret was generated; read it with GET.")
        .errors(&[403]),
    );
    p.add(
        "post",
        "/extrahop/cloudresources",
        Op::new(tag, "uploadCloudResources", "Upload cloud resources")
            .describe(&format!(
                "The resource file is the request body (at most 8 MiB). wirewatch can apply none of the \
                 formats it recognises, and says which it found and why in a 501: an ExtraHop Cloud Services \
                 bundle (proprietary, signed), Suricata/Snort rules (wirewatch does not run IDS rules: feed \
                 Suricata's EVE output to `serve --eve`), or anything else. {ADMIN}"
            ))
            .binary_body("The resource file.")
            .errors(&[403, 413, 501]),
    );
}

fn certificate(p: &mut Paths) {
    let tag = "ExtraHop";
    p.add(
        "post",
        "/extrahop/sslcert",
        Op::new(tag, "regenerateSslCert", "Regenerate the self-signed TLS certificate")
            .describe(&format!(
                "A new key and self-signed certificate (for the host name and localhost) are written to the \
                 data directory and served from the next TLS connection, without a restart; the answer says \
                 which certificate is served. A job (`sslcert_regenerate`), named by the answer's \
                 `Location` (`/api/v1/jobs/{{id}}`) as in ExtraHop; the answer waits for it (milliseconds). \
                 501 on a server without TLS; 429 when 4 jobs run. {ADMIN}"
            ))
            .ok("200", "The certificate now served; `Location` is the job that made it.", r("CertInfo"))
            .errors(&[403, 501])
            .error(429, "Four jobs are running.", super::config_paths::busy()),
    );
    p.add(
        "put",
        "/extrahop/sslcert",
        Op::new(tag, "replaceSslCert", "Replace the TLS certificate")
            .describe(&format!(
                "The body is PEM text (or that text as a JSON string): the certificate, with its chain after \
                 it, and optionally its private key. Without a key, the key of the last signing request \
                 (`POST /extrahop/sslcert/signingrequest`) or the current key is used, whichever goes with \
                 the certificate. The certificate must be X.509 and go with the key (400 otherwise); it is \
                 served from the next TLS connection, without a restart. {ADMIN}"
            ))
            .binary_body("PEM text: certificate (chain) and optional private key.")
            .ok("200", "The certificate now served.", r("CertInfo"))
            .errors(&[403, 501]),
    );
    p.add(
        "post",
        "/extrahop/sslcert/signingrequest",
        Op::new(tag, "createSslCertSigningRequest", "Create a TLS certificate signing request")
            .describe(&format!(
                "A new key (ECDSA P-256) is made and kept in the data directory, and a PKCS #10 request for \
                 it with the subject and subject alternative names given is answered (`csr`, PEM). Upload \
                 the certificate a CA issues for it with `PUT /extrahop/sslcert` (the key need not be sent). \
                 {ADMIN}"
            ))
            .body_example(json!({"subject": {"common_name": "sensor1.example.com", "organization_name": "Example",
                "country_code": "US"}, "subject_alternative_names": [{"type": "dns", "name": "sensor1.example.com"},
                {"type": "ip", "name": "192.0.2.10"}]}))
            .ok("200", "The signing request.", r("SigningRequestPem"))
            .errors(&[403, 501]),
    );
}

fn usergroups(p: &mut Paths) {
    let tag = GROUP_TAG;
    let id = |op: Op| {
        op.path(
            "id",
            "The group's id (`local.<name>`).",
            json!({"type": "string"}),
        )
    };
    let members_schema = json!({"type": "object", "additionalProperties": {"type": "string", "enum": ["member"], "nullable": true}});
    p.add(
        "get",
        "/usergroups",
        Op::new(tag, "listUserGroups", "List user groups")
            .describe(ADMIN)
            .ok("200", "The groups.", array(r("UserGroup")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/usergroups",
        Op::new(tag, "createUserGroup", "Create a user group")
            .describe(&format!(
                "The id is `local.<name>`. `granted_roles` (wirewatch extension) are the privileges members \
                 inherit. {ADMIN}"
            ))
            .body_example(json!({"name": "soc", "enabled": true, "granted_roles": {"write": "limited", "ndr": "full"}}))
            .empty("201", "The group was created; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "post",
        "/usergroups/refresh",
        Op::new(tag, "refreshUserGroups", "Refresh remote groups from LDAP")
            .describe(&format!(
                "No LDAP directory can be configured: 501. {ADMIN}"
            ))
            .errors(&[403, 501]),
    );
    p.add(
        "get",
        "/usergroups/{id}",
        id(Op::new(tag, "getUserGroup", "Get a user group"))
            .describe(ADMIN)
            .ok("200", "The group.", r("UserGroup"))
            .errors(&[403, 404]),
    );
    p.add(
        "patch",
        "/usergroups/{id}",
        id(Op::new(tag, "updateUserGroup", "Update a user group"))
            .describe(&format!(
                "Disabling a group takes its privileges from its members at once. {ADMIN}"
            ))
            .body_example(json!({"enabled": false}))
            .empty("204", "The group was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/usergroups/{id}",
        id(Op::new(tag, "deleteUserGroup", "Delete a user group"))
            .describe(&format!(
                "Its members lose its privileges, and activity maps stop being shared with it. {ADMIN}"
            ))
            .empty("204", "The group was deleted.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/usergroups/{id}/associations",
        id(Op::new(
            tag,
            "deleteUserGroupAssociations",
            "Delete the group's sharing associations",
        ))
        .describe(&format!(
            "wirewatch has no dashboards: the activity maps shared with the group stop being shared with it. {ADMIN}"
        ))
        .empty("204", "The associations were deleted.")
        .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/usergroups/{id}/members",
        id(Op::new(
            tag,
            "getUserGroupMembers",
            "List a group's members",
        ))
        .describe(ADMIN)
        .ok("200", "The members.", r("Members"))
        .errors(&[403, 404]),
    );
    p.add(
        "patch",
        "/usergroups/{id}/members",
        id(Op::new(tag, "updateUserGroupMembers", "Assign or unassign members"))
            .describe(&format!(
                "Each key a username, each value `\"member\"` (assign) or `null` (unassign); a name that is \
                 no user is a 400 naming it, and then nothing changes. {ADMIN}"
            ))
            .refined_body(
                members_schema.clone(),
                json!({"alice": "member", "bob": null}),
                "Usernames → `\"member\"` or `null`.",
            )
            .empty("204", "The members were changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "put",
        "/usergroups/{id}/members",
        id(Op::new(
            tag,
            "replaceUserGroupMembers",
            "Replace the members",
        ))
        .describe(&format!(
            "The users named (each `\"member\"`) become the only members. {ADMIN}"
        ))
        .refined_body(
            members_schema,
            json!({"alice": "member", "carol": "member"}),
            "Usernames → `\"member\"`.",
        )
        .empty("204", "The members were replaced.")
        .errors(&[403, 404]),
    );
    p.add(
        "post",
        "/usergroups/{id}/refresh",
        id(Op::new(tag, "refreshUserGroup", "Refresh a remote group from LDAP"))
            .describe(&format!(
                "No LDAP directory can be configured: 501 (404 for a group that does not exist). {ADMIN}"
            ))
            .errors(&[403, 404, 501]),
    );
}

fn auth(p: &mut Paths) {
    let tag = AUTH_TAG;
    p.add(
        "get",
        "/auth/identityproviders",
        Op::new(tag, "listIdentityProviders", "List identity providers")
            .describe(ADMIN)
            .ok("200", "The providers.", array(r("IdentityProvider")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/auth/identityproviders",
        Op::new(tag, "createIdentityProvider", "Add a SAML identity provider")
            .describe(&format!(
                "`entity_id`, `sso_url` and `signing_certificate` are given, or read from the IdP's SAML \
                 metadata: `metadata_xml`, or `metadata_url` fetched once (10 s, 256 KiB; wirewatch \
                 extensions). The signing certificate must be one X.509 certificate in PEM. Set how \
                 assertion attributes map to privileges with `PATCH …/{{id}}/privileges`. SAML login itself \
                 is not implemented yet. {ADMIN}"
            ))
            .body_example(json!({"name": "Okta", "type": "saml", "enabled": true, "auto_provision_users": true,
                "metadata_xml": "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"http://www.okta.com/exk1\">...</md:EntityDescriptor>"}))
            .empty("201", "The provider was added; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/auth/identityproviders/{id}",
        Op::new(tag, "getIdentityProvider", "Get an identity provider")
            .path_id("identity provider")
            .describe(ADMIN)
            .ok("200", "The provider.", r("IdentityProvider"))
            .errors(&[403, 404]),
    );
    p.add(
        "patch",
        "/auth/identityproviders/{id}",
        Op::new(tag, "updateIdentityProvider", "Update an identity provider")
            .path_id("identity provider")
            .describe(&format!(
                "Fields left out are kept; checked as for a new one. {ADMIN}"
            ))
            .body_example(json!({"enabled": false}))
            .empty("204", "The provider was changed.")
            .errors(&[403, 404, 409]),
    );
    p.add(
        "delete",
        "/auth/identityproviders/{id}",
        Op::new(tag, "deleteIdentityProvider", "Delete an identity provider")
            .path_id("identity provider")
            .describe(ADMIN)
            .empty("204", "The provider was deleted.")
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/auth/identityproviders/{id}/privileges",
        Op::new(
            tag,
            "getIdentityProviderPrivileges",
            "Get a provider's privilege mappings",
        )
        .path_id("identity provider")
        .describe(ADMIN)
        .ok("200", "The mappings.", r("IdpPrivileges"))
        .errors(&[403, 404]),
    );
    p.add(
        "patch",
        "/auth/identityproviders/{id}/privileges",
        Op::new(tag, "updateIdentityProviderPrivileges", "Update a provider's privilege mappings")
            .path_id("identity provider")
            .describe(&format!(
                "The mappings sent replace the stored ones of the same privilege; the others are kept. \
                 `detectionsaccesslevel` is the deprecated name of `ndrlevel`. {ADMIN}"
            ))
            .body_example(json!({"writelevel": {"attribute": "urn:extrahop:saml:2.0:writelevel",
                "values": {"write_full": ["soc-leads"], "write_limited": ["soc"]}},
                "ndrlevel": {"attribute": "memberOf", "values": {"full": ["soc", "soc-leads"]}}}))
            .empty("204", "The mappings were changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/auth/samlsp",
        Op::new(
            tag,
            "getSamlSp",
            "Get this sensor's SAML service provider metadata",
        )
        .describe(&format!(
            "The entity id is `PUBLIC_URL/saml/metadata` and the assertion consumer service \
                 `PUBLIC_URL/saml/acs` (HTTP-POST); with `xml=true`, `xml` holds the SAML 2.0 \
                 `EntityDescriptor` to give the IdP. {ADMIN}"
        ))
        .query(
            "xml",
            "Also answer the SAML 2.0 metadata document.",
            json!({"type": "boolean", "default": false}),
        )
        .ok("200", "The SP metadata.", r("SamlSp"))
        .errors(&[400, 403]),
    );
}
