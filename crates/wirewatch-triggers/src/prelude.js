// The trigger API, defined once per engine on top of three native functions.
// Runs before any trigger; the native functions are then removed from the
// global object so scripts reach them only through this API.
(function () {
  "use strict";
  const send = globalThis.__ww_send;
  const note = globalThis.__ww_log;
  const commit = globalThis.__ww_commit;
  delete globalThis.__ww_send;
  delete globalThis.__ww_log;
  delete globalThis.__ww_commit;

  function text(v) {
    if (typeof v === "string") return v;
    if (v === undefined) return "undefined";
    try {
      return JSON.stringify(v);
    } catch (e) {
      return String(v);
    }
  }
  function join(args) {
    return Array.prototype.map.call(args, text).join(" ");
  }
  function targetName(name) {
    return name === undefined || name === null ? "default" : String(name);
  }

  function httpSend(name, method, opts) {
    if (typeof opts === "string") opts = { path: opts };
    opts = opts || {};
    const headers = [];
    if (opts.headers) {
      for (const k of Object.keys(opts.headers)) headers.push([k, String(opts.headers[k])]);
    }
    let payload = "";
    if (opts.payload !== undefined && opts.payload !== null) {
      payload = typeof opts.payload === "string" ? opts.payload : JSON.stringify(opts.payload);
    }
    const path = opts.path === undefined ? "/" : String(opts.path);
    return send("http", name, JSON.stringify({ op: "http", method: method, path: path, headers: headers, payload: payload }));
  }
  function HTTP(name) {
    name = targetName(name);
    return Object.freeze({
      get: (o) => httpSend(name, "GET", o),
      post: (o) => httpSend(name, "POST", o),
      put: (o) => httpSend(name, "PUT", o),
      patch: (o) => httpSend(name, "PATCH", o),
      delete: (o) => httpSend(name, "DELETE", o),
      request: (method, o) => httpSend(name, String(method).toUpperCase(), o),
    });
  }

  const SEVERITIES = ["emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"];
  function Syslog(name) {
    name = targetName(name);
    const o = {};
    SEVERITIES.forEach((s, i) => {
      o[s] = function () {
        return send("syslog", name, JSON.stringify({ op: "syslog", severity: i, time: Date.now(), message: join(arguments) }));
      };
    });
    return Object.freeze(o);
  }

  function Kafka(name) {
    name = targetName(name);
    return Object.freeze({
      // send({topic, messages, partition, key}) or send(topic, message, ...)
      send: function (first) {
        let topic, values, partition, key;
        if (first !== null && typeof first === "object") {
          topic = first.topic;
          values = first.messages === undefined ? [] : [].concat(first.messages);
          partition = first.partition;
          key = first.key;
        } else {
          topic = first;
          values = Array.prototype.slice.call(arguments, 1);
        }
        if (topic === undefined || topic === null || String(topic) === "") {
          throw new TypeError("Remote.Kafka.send: a topic is required");
        }
        const m = { op: "kafka", topic: String(topic), values: values.map(text) };
        if (partition !== undefined && partition !== null) m.partition = Number(partition) | 0;
        if (key !== undefined && key !== null) m.key = text(key);
        return send("kafka", name, JSON.stringify(m));
      },
    });
  }

  function MongoDB(name) {
    name = targetName(name);
    const coll = (c) => {
      if (typeof c !== "string" || c === "") throw new TypeError("Remote.MongoDB: collection must be a non-empty string");
      return c.indexOf(".") > 0 ? c : "ods." + c;
    };
    return Object.freeze({
      insert: (collection, doc) =>
        send("mongodb", name, JSON.stringify({ op: "mongodb", collection: coll(collection), action: "insert", documents: [].concat(doc) })),
      update: (collection, doc, selector, options) =>
        send("mongodb", name, JSON.stringify({
          op: "mongodb", collection: coll(collection), action: "update",
          selector: selector || {}, update: doc,
          upsert: !!(options && options.upsert), multi: !!(options && options.multi),
        })),
      remove: (collection, selector, justOne) =>
        send("mongodb", name, JSON.stringify({
          op: "mongodb", collection: coll(collection), action: "remove", selector: selector || {}, just_one: !!justOne,
        })),
    });
  }

  function Raw(name) {
    name = targetName(name);
    return Object.freeze({
      send: (data) => send("raw", name, JSON.stringify({ op: "raw", data: text(data) })),
    });
  }

  // Remote.HTTP("name").post(...) and, for the target named "default", Remote.HTTP.post(...).
  function withDefault(factory) {
    const d = factory("default");
    for (const k of Object.keys(d)) factory[k] = d[k];
    return Object.freeze(factory);
  }

  const Remote = Object.freeze({
    HTTP: withDefault(HTTP),
    Syslog: withDefault(Syslog),
    Kafka: withDefault(Kafka),
    MongoDB: withDefault(MongoDB),
    Raw: withDefault(Raw),
  });

  function commitDetection(type, options) {
    const o = options || {};
    const d = { type: String(type) };
    if (o.title !== undefined) d.title = String(o.title);
    if (o.description !== undefined) d.description = String(o.description);
    if (o.riskScore !== undefined) d.risk_score = Number(o.riskScore);
    if (o.categories !== undefined) d.categories = [].concat(o.categories).map(String);
    if (o.mitreTechniques !== undefined) d.mitre_techniques = [].concat(o.mitreTechniques).map(String);
    if (o.properties !== undefined) d.properties = o.properties;
    d.participants = [].concat(o.participants || []).map((p) => {
      if (typeof p === "string") return { object_type: "ipaddr", object_value: p, role: "offender" };
      const q = { object_type: p.object_type || (p.object_id !== undefined ? "device" : "ipaddr"), role: p.role || "offender" };
      const value = p.object_value !== undefined ? p.object_value : p.ipaddr;
      if (value !== undefined) q.object_value = String(value);
      if (p.hostname !== undefined) q.hostname = String(p.hostname);
      if (p.object_id !== undefined) q.object_id = Number(p.object_id);
      return q;
    });
    return commit(JSON.stringify(d));
  }

  Object.defineProperty(globalThis, "Remote", { value: Remote, enumerable: false });
  Object.defineProperty(globalThis, "commitDetection", { value: commitDetection, enumerable: false });
  Object.defineProperty(globalThis, "debug", { value: function () { note("debug", join(arguments)); }, enumerable: false });
  Object.defineProperty(globalThis, "log", { value: function () { note("log", join(arguments)); }, enumerable: false });
})();
