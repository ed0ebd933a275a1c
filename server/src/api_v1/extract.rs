//! axum's extractors, answering a bad request with a problem (not plain text).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::{self, Problem};

/// A JSON body.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Problem::new(
                problem::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as application/json.",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(Problem::invalid(e.body_text())),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Err(Problem::new(
                problem::TOO_LARGE,
                "The request body is too large.",
            )),
            Err(e) => Err(Problem::new(problem::MALFORMED, e.body_text())),
        }
    }
}

/// Query parameters.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| Problem::invalid(e.body_text()))
    }
}

/// A numeric id in the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|p| Id(p.0))
            .map_err(|_| Problem::new(problem::NOT_FOUND, "Ids are whole numbers."))
    }
}
