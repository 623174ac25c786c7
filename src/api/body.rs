//! The JSON body extractor every handler uses. It reads the body through
//! actix's `Json` (size limit, content type, problem answers), insists on a
//! JSON object, and only then builds the request type: serde's derived
//! structs would otherwise also accept an array of their fields in order.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::deserialize_error;
use crate::error::AppError;

pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Box<RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = json.await?.into_inner();
            if !raw.get().trim_start().starts_with('{') {
                return Err(AppError::bad_request("请求内容必须是 JSON 对象").into());
            }
            // From the text, not from a parsed Value, so that duplicate keys are still refused.
            serde_json::from_str(raw.get()).map(Body).map_err(|e| deserialize_error(&e).into())
        })
    }
}
