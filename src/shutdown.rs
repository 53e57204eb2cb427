//! The signals that stop a long-running process: Ctrl-C and SIGTERM.

/// The signal that asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The status a shell reports for a process this signal ended (128 +
    /// its number): whoever started the process can tell it from a halt.
    pub fn exit_status(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// Resolves when the process is asked to stop, with the signal that asked.
pub async fn requested() -> Signal {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => Signal::Interrupt,
                    _ = terminate.recv() => Signal::Terminate,
                }
            }
            Err(_) => {
                let _ = interrupt.await;
                Signal::Interrupt
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
        Signal::Interrupt
    }
}
