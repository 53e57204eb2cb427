//! `request system halt|reboot|power-off`, `show system reboot` and
//! `clear system reboot`, with Junos's questions and messages.

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use super::commands::Outcome;
use super::{Engine, Failure};
use crate::grammar::Parsed;
use crate::proto::shutdown_request::{Kind, Target};
use crate::proto::{PendingShutdown, ShutdownRequest};

/// How long an RE told to go down now may take to drop its sessions.
const GOING_DOWN_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Junos's long date: `Sun Nov 22 05:25:00 2026`.
fn long_date(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_default()
}

/// `at`: `now`, `+MINUTES`, `hh:mm` (today, or tomorrow if past) or
/// `yymmddhhmm`; in Unix seconds, 0 for now.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Option<i64> {
    if text == "now" {
        return Some(0);
    }
    if let Some(minutes) = text.strip_prefix('+') {
        return Some((now + TimeDelta::minutes(minutes.parse().ok()?)).timestamp());
    }
    if let Ok(time) = NaiveTime::parse_from_str(text, "%H:%M") {
        let today = now.date_naive().and_time(time).and_utc();
        return Some(if today > now { today } else { today + TimeDelta::days(1) }.timestamp());
    }
    if text.len() == 10 && text.bytes().all(|b| b.is_ascii_digit()) {
        let at = NaiveDateTime::parse_from_str(text, "%y%m%d%H%M").ok()?;
        return Some(at.and_utc().timestamp());
    }
    None
}

impl Engine {
    pub(super) fn system_shutdown(&mut self, parsed: &Parsed<'_>, kind: Kind) -> Result<Outcome, Failure> {
        let target = if parsed.has("both-routing-engines") {
            Target::Both
        } else if parsed.has("other-routing-engine") {
            Target::Other
        } else {
            Target::Local
        };
        let at = match (parsed.arg("time"), parsed.arg("minutes")) {
            (Some(time), _) => parse_time(time, Utc::now()).ok_or_else(|| {
                Failure::Error(format!("invalid time '{time}': expected now, +MINUTES, hh:mm or yymmddhhmm"))
            })?,
            (None, Some(minutes)) => parse_time(&format!("+{minutes}"), Utc::now()).unwrap_or(0),
            (None, None) => 0,
        };
        let (verb, question) = match kind {
            Kind::Reboot => ("reboot", "Reboot the system ? [yes,no] (no)"),
            Kind::Halt => ("halt", "Halt the system ? [yes,no] (no)"),
            Kind::PowerOff => ("power-off", "Power Off the system ? [yes,no] (no)"),
        };
        let mut before = String::new();
        if kind != Kind::Reboot && target == Target::Local {
            before.push_str(&format!(
                "warning: This command will not {verb} the other routing-engine.\n\
                 If planning to switch off power, use the both-routing-engines option.\n"
            ));
        }
        if target == Target::Both
            && self
                .session()
                .client
                .route_engine_information(Some(self.other_slot().number()))
                .is_ok_and(|i| i.route_engines.iter().all(|re| re.unresponsive))
        {
            before.push_str("warning: Other routing-engine not present\n");
        }
        if !self.ask(&before, question, false) {
            return Ok(Outcome::Presented(String::new()));
        }
        let request = ShutdownRequest {
            kind: kind as i32,
            target: target as i32,
            at,
            message: parsed.arg("message").unwrap_or_default().to_owned(),
            user: self.user.clone(),
        };
        let reply = self.session().client.shutdown(request)?;
        let other = self.other_slot();
        let mut out = String::new();
        if target != Target::Local && (reply.other_reached || target == Target::Other) {
            let going = match kind {
                Kind::Reboot => "Rebooting",
                Kind::Halt => "Halting",
                Kind::PowerOff => "Powering off",
            };
            if at == 0 {
                out.push_str(&format!("{going} {other}\n"));
            } else {
                out.push_str(&format!("{other}: Shutdown at {}\n", long_date(at)));
            }
        }
        if target != Target::Other {
            // The FINAL message itself reaches every session as a broadcast.
            if at == 0 {
                out.push_str(&format!("\nShutdown NOW!\n[pid {}]\n", reply.pid));
                // The session's own RE goes down in a moment: the next prompt
                // is the RE this session came from (or none), not a dead one.
                self.bulletin.wait_gone(GOING_DOWN_WITHIN);
            } else {
                out.push_str(&format!("Shutdown at {}\n[pid {}]\n", long_date(at), reply.pid));
            }
        }
        Ok(Outcome::View(Box::new(super::render::Shutdown(out))))
    }

    fn other_slot(&self) -> crate::slot::Slot {
        self.current_slot().map_or(crate::slot::Slot::RE1, crate::slot::Slot::other)
    }

    /// `show system reboot`.
    pub(super) fn show_shutdown(&self) -> Result<Outcome, Failure> {
        let pending = self.session().client.pending_shutdown()?;
        Ok(Outcome::Presented(describe(pending.as_ref())))
    }

    /// `clear system reboot [both-routing-engines]`.
    pub(super) fn clear_shutdown(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let pending = self.session().client.pending_shutdown()?;
        let cleared = self.session().client.clear_shutdown(parsed.has("both-routing-engines"))?;
        let mut out = describe(pending.as_ref());
        if cleared {
            if pending.is_none() {
                out.clear();
            }
            out.push_str("Terminating...\n");
        }
        Ok(Outcome::Presented(out))
    }
}

fn describe(pending: Option<&PendingShutdown>) -> String {
    let Some(pending) = pending else {
        return "No shutdown/reboot scheduled.\n".into();
    };
    let verb = match Kind::try_from(pending.kind).unwrap_or(Kind::Reboot) {
        Kind::Reboot => "reboot",
        Kind::Halt => "halt",
        Kind::PowerOff => "power-off",
    };
    format!(
        "{verb} requested by {} at {}\n    [process id {}]\n",
        pending.user,
        long_date(pending.at),
        pending.pid
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_now_relative_clock_or_full() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T05:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_time("now", now), Some(0));
        assert_eq!(parse_time("+5", now), Some(now.timestamp() + 300));
        assert_eq!(parse_time("06:30", now), Some(now.timestamp() + 5400));
        assert_eq!(parse_time("04:00", now), Some(now.timestamp() + 23 * 3600));
        assert_eq!(parse_time("2611221200", now), Some(now.timestamp() + 7 * 3600));
        assert_eq!(parse_time("soon", now), None);
        assert_eq!(long_date(now.timestamp()), "Sun Nov 22 05:00:00 2026");
    }
}
