//! Object ids: random UUIDs, stored as text on both backends. Each kind of
//! object has its own id type, so that an operation taking a proposal and a
//! unit cannot be handed them the wrong way round.

use serde::{Deserialize, Serialize};

/// A new id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether `text` can be an id at all. Anything else names nothing, so it can
/// be answered without asking the database (where, e.g., a NUL byte is an error).
pub fn is_id(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok()
}

/// What every id type can do: be read from text that may not be an id.
pub trait Id: Sized {
    fn parse(text: &str) -> Option<Self>;
}

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(String);

        impl $name {
            /// The id `text` names, or None when it cannot be an id.
            pub fn parse(text: &str) -> Option<Self> {
                is_id(text).then(|| $name(text.to_string()))
            }
            /// A fresh id for a new object.
            pub fn generate() -> Self {
                $name(new_id())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// Whether it can name an object at all (ids sent in a body are not checked on arrival).
            pub fn is_well_formed(&self) -> bool {
                is_id(&self.0)
            }
        }

        impl Id for $name {
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

typed_id! {
    /// A proposal (提案).
    ProposalId;
    /// An account.
    UserId;
    /// A handling unit (承办单位).
    UnitId;
    /// A session of a committee term (届次会议).
    SessionId;
    /// A committee term (届).
    TermId;
    /// A sector (界别).
    SectorId;
    /// One unit's assignment (交办) of one proposal.
    AssignmentId;
    /// A unit's return or extension request.
    RequestId;
    /// A B reply's commitment.
    CommitmentId;
    /// An attachment of a proposal.
    AttachmentId;
    /// A notice to a person.
    NoticeId;
    /// A message of the email outbox.
    EmailId;
}
