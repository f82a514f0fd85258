//! The body of a threat collection upload (`POST /threatcollections`,
//! `PUT /threatcollections/~{user_key}`, `PUT /threatcollections/{id}`):
//!
//! - `multipart/form-data` with the parts `name`, `user_key` and `file`
//!   (what the ExtraHop threat intelligence toolkit sends: `requests.put(url,
//!   files={'file': (name, f), 'name': …})`);
//! - `application/json` with `name` and `user_key` (no file: a rename);
//! - any other type: the body is the file itself; `name`, `user_key` and
//!   `filename` come from the query string.
//!
//! At most [`MAX_UPLOAD`] bytes are read (413 beyond); the parts other than
//! the file at most [`MAX_TEXT_PART`] each.

use crate::error::ApiError;
use crate::guard::{Body, Dialect, Input};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::Deserialize;
use wirewatch_model::{Code, Error};

/// Largest upload read (a `.tar.gz` of a few million observables).
pub const MAX_UPLOAD: u64 = 64 << 20;
/// Largest text part (`name`, `user_key`).
pub const MAX_TEXT_PART: u64 = 4096;

/// What an upload carries.
#[derive(Debug, Default)]
pub struct Upload {
    pub name: Option<String>,
    pub user_key: Option<String>,
    /// The file: its name (when sent) and bytes.
    pub file: Option<(Option<String>, Bytes)>,
}

#[derive(Deserialize, Default)]
struct Fields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    user_key: Option<String>,
    #[serde(default)]
    filename: Option<String>,
}

fn too_large() -> ApiError {
    ApiError(Error::new(
        Code::PayloadTooLarge,
        format!("file: the upload is larger than {MAX_UPLOAD} bytes"),
    ))
}

fn multipart_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::StreamSizeExceeded { .. } => too_large(),
        multer::Error::FieldSizeExceeded { field_name, .. } => ApiError::invalid(
            field_name.unwrap_or_else(|| "body".into()),
            format!("longer than {MAX_TEXT_PART} bytes"),
        ),
        e => ApiError::invalid("body", format!("malformed multipart/form-data: {e}")),
    }
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let announced = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|n| n > MAX_UPLOAD) {
            return Err(too_large());
        }
        let ctype = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let query = req.uri().query().unwrap_or("").to_string();
        let mime = ctype
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let body = req.into_body();
        if mime == "multipart/form-data" {
            let boundary = multer::parse_boundary(&ctype)
                .map_err(|e| ApiError::invalid("body", format!("multipart/form-data: {e}")))?;
            let limits = multer::SizeLimit::new()
                .whole_stream(MAX_UPLOAD)
                .per_field(MAX_TEXT_PART)
                .for_field("file", MAX_UPLOAD);
            let mut mp = multer::Multipart::with_constraints(
                body.into_data_stream(),
                boundary,
                multer::Constraints::new().size_limit(limits),
            );
            let mut up = Upload::default();
            while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
                match field.name().unwrap_or("") {
                    "file" => {
                        let fname = field.file_name().map(str::to_string);
                        let bytes = field.bytes().await.map_err(multipart_error)?;
                        up.file = Some((fname, bytes));
                    }
                    n @ ("name" | "user_key") => {
                        let n = n.to_string();
                        let text = field.text().await.map_err(multipart_error)?;
                        if n == "name" {
                            up.name = Some(text);
                        } else {
                            up.user_key = Some(text);
                        }
                    }
                    _ => {
                        // Unknown parts are read and passed over.
                        field.bytes().await.map_err(multipart_error)?;
                    }
                }
            }
            return Ok(up);
        }
        let bytes = read_capped(body).await?;
        let q: Fields = serde_urlencoded::from_str(&query)
            .map_err(|e| ApiError::invalid("query", e.to_string()))?;
        if mime == "application/json" {
            let f: Fields = if bytes.iter().all(u8::is_ascii_whitespace) {
                Fields::default()
            } else {
                crate::extract::parse_json(&bytes)?
            };
            return Ok(Upload {
                name: f.name.or(q.name),
                user_key: f.user_key.or(q.user_key),
                file: None,
            });
        }
        Ok(Upload {
            name: q.name,
            user_key: q.user_key,
            file: (!bytes.is_empty()).then_some((q.filename, bytes)),
        })
    }
}

/// The whole body, at most [`MAX_UPLOAD`] bytes (413 beyond).
async fn read_capped(body: axum::body::Body) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| crate::extract::body_error(&e))?;
        if (buf.len() + chunk.len()) as u64 > MAX_UPLOAD {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

impl Input for Upload {
    fn body() -> Option<Body> {
        Some(Body {
            dialect: Dialect::ExtraHop,
            optional: true,
            json: false,
        })
    }
}
