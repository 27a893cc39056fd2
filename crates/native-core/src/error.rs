//! The crate's one error type: what a `parse` constructor rejects.

/// Why a value from outside (user input, a server response) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    #[error("not a valid identifier: {0}")]
    InvalidId(String),
    #[error("not a valid quota period key: {0}")]
    InvalidPeriodKey(String),
    #[error("unknown plan: {0}")]
    UnknownPlan(String),
    // The input is deliberately not echoed: it is user input, and for a
    // password it is a secret.
    #[error("not a valid e-mail address")]
    InvalidEmail,
    #[error("the password must have at least {0} characters")]
    PasswordTooShort(usize),
    #[error("the password must have at most {0} characters")]
    PasswordTooLong(usize),
    #[error("the title is empty")]
    EmptyTitle,
    #[error("the title must have at most {0} characters")]
    TitleTooLong(usize),
    #[error("the title contains control characters")]
    TitleControlCharacters,
    #[error("the message is empty")]
    EmptyMessage,
    #[error("the message must have at most {0} characters")]
    MessageTooLong(usize),
    // The address is not echoed: it comes from configuration an attacker
    // may have written, and it would end up in logs.
    #[error(
        "not an allowed payment link (https on Stripe's payment-link host or a configured one)"
    )]
    InvalidPaymentLink,
    #[error("not a valid price (a non-negative amount and a three-letter currency)")]
    InvalidPrice,
    #[error("not a valid SHA-256 digest (64 lowercase hexadecimal digits)")]
    InvalidSha256,
    #[error("an attachment's text must have at most {0} characters")]
    AttachmentTextTooLong(usize),
}
