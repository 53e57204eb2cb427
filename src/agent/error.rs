//! The agent's own error: what its configuration database and state
//! answer, told apart by kind, and made a gRPC status only at the edge.

use tonic::Status;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The request does not read (a statement, a value, a time): Junos's
    /// text for it.
    #[error("{0}")]
    Invalid(String),
    /// The state refuses it now: locked, a commit pending, a mode.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    NotFound(String),
    /// The store could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The store could not keep what a change needs kept.
    #[error("could not {what}: {source}")]
    Write { what: &'static str, source: std::io::Error },
}

impl From<AgentError> for Status {
    fn from(error: AgentError) -> Status {
        let message = error.to_string();
        match error {
            AgentError::Invalid(_) => Status::invalid_argument(message),
            AgentError::Refused(_) => Status::failed_precondition(message),
            AgentError::NotFound(_) => Status::not_found(message),
            AgentError::Io(_) | AgentError::Write { .. } => Status::internal(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_the_status_a_client_tells_apart_with_the_same_text() {
        let cases = [
            (AgentError::Invalid("missing argument.".into()), tonic::Code::InvalidArgument),
            (AgentError::Refused("locked".into()), tonic::Code::FailedPrecondition),
            (AgentError::NotFound("rollback 9 does not exist".into()), tonic::Code::NotFound),
            (AgentError::Io(std::io::Error::other("disk full")), tonic::Code::Internal),
        ];
        for (error, code) in cases {
            let text = error.to_string();
            let status = Status::from(error);
            assert_eq!((status.code(), status.message()), (code, text.as_str()));
        }
        let write =
            AgentError::Write { what: "write the configuration", source: std::io::Error::other("disk full") };
        assert_eq!(Status::from(write).message(), "could not write the configuration: disk full");
    }
}
