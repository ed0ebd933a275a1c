//! How a resource's data travels from the server's render to the browser.

use std::future::Future;

use leptos::prelude::Resource;
use serde::{de::DeserializeOwned, Serialize};

/// A resource whose data goes from the server's render to the browser as [`Json`].
pub type JsonResource<T> = Resource<T, Json>;

/// `Resource::new`, with the data sent as [`Json`]. Every resource of the app is made with it,
/// so each type of data has one JSON reader in the browser's module.
#[track_caller]
pub fn json_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// JSON, as Leptos' default codec writes it, but read with `serde_json::from_slice`, the way
/// the server functions' answers are read. With the default (`from_str`) the browser's module
/// holds two JSON readers for every type that is both a resource's data and a server
/// function's answer: the link state of the Reset Password page, the Users table's page
/// (docs/decisions.md 44).
pub struct Json;

impl<T: Serialize> codee::Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::Json;
    use codee::{Decoder, Encoder};
    use orgdesk_types::{LinkPurpose, LinkState};

    #[test]
    fn what_is_written_reads_back() {
        let state = LinkState::Expired {
            purpose: LinkPurpose::Invitation,
        };
        let encoded = <Json as Encoder<LinkState>>::encode(&state).unwrap();
        let decoded: LinkState = <Json as Decoder<LinkState>>::decode(&encoded).unwrap();
        assert_eq!(decoded, state);
        assert!(<Json as Decoder<LinkState>>::decode("{not json").is_err());
    }
}
