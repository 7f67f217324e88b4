//! Change requests: what a change to a protected environment becomes until another admin
//! approves it (then it is applied against the version it was made against) or rejects it.
//!
//! # How they are stored
//! Each request is an immutable record ([`RecordKind::Request`]) numbered like history entries,
//! holding the text it was made against and the text it proposes. Closing a request without
//! applying it (a rejection, or a rebase that replaces it) writes the request's one decision
//! record ([`RecordKind::Decision`], create-if-absent, so two admins deciding at once get one
//! decision). An approval writes no record of its own: it *is* the environment's commit,
//! conditional on the request's base version, and its history entry carries the approval
//! (request, approver, comment). So exactly one approval of a request can ever apply, and a
//! request whose base is no longer current cannot apply at all: it is stale, and must be
//! rebased (its binding changes made again on the current text, as a new request).
//!
//! A request's status is read from those facts: applied if the committed history has its
//! entry, else rejected or superseded if it has a decision, else stale if the environment moved
//! since, else open. (An approval and a rejection sent within the same moment can both
//! succeed, since they write different keys; the history then shows it applied, which is what
//! happened to the file.)

use std::time::{SystemTime, UNIX_EPOCH};

use bedrock_binder_shared::Document;
use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{
    ChangeKind, ChangeRequest, ChangeRequestList, GateReport, RequestDecision, RequestStatus,
};
use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::preset_diff;
use bedrock_binder_shared::promote::{binding_diff, reapply};
use serde::{Deserialize, Serialize};

use crate::envs::{Environments, PresetProposal};
use crate::storage::{Approval, Change, ChangeMeta, EnvState, HistoryEntry, RecordKind, Seq, StorageError, committed};

/// How many request numbers taken by other proposers a proposal moves past before giving up.
const NUMBER_ATTEMPTS: usize = 16;

/// A change to propose: the text it replaces, with that text's version, and the new text.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// An edit, an import, a promote or a revert.
    pub kind: ChangeKind,
    /// The version of the environment's text the change was made against.
    pub base: Version,
    /// That text.
    pub base_text: String,
    /// The text the change would write.
    pub text: String,
    /// The environment a promote copies from.
    pub from: Option<EnvName>,
    /// The promote gate's findings against the environment's AWS account.
    pub gate: Option<GateReport>,
    /// The presets it changes, if any.
    pub presets: Option<PresetProposal>,
}

/// A request as stored: never changed once written.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredRequest {
    id: u64,
    kind: ChangeKind,
    author: String,
    #[serde(default)]
    reason: Option<String>,
    time_ms: u64,
    #[serde(default)]
    from: Option<String>,
    base: Version,
    base_text: String,
    text: String,
    #[serde(default)]
    gate: Option<GateReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    presets: Option<PresetProposal>,
}

impl StoredRequest {
    /// Whether the environment still stands where the request was made: its text (and, for a
    /// request that changes presets, its settings) at the request's base versions.
    fn is_current(&self, current: Option<&EnvState>) -> bool {
        current.is_some_and(|current| {
            current.text == self.base && self.presets.as_ref().is_none_or(|presets| presets.base == current.settings)
        })
    }
}

/// What closed a request without applying it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
enum StoredDecision {
    Rejected {
        by: String,
        #[serde(default)]
        comment: Option<String>,
        time_ms: u64,
    },
    Superseded {
        by: String,
        time_ms: u64,
        replacement: u64,
    },
}

/// Why a request operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The store refused or failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// No request has this number.
    #[error("the environment `{env}` has no change request {id}")]
    NoSuchRequest {
        /// The environment.
        env: EnvName,
        /// The number asked for.
        id: u64,
    },
    /// The request is applied, rejected or superseded already.
    #[error("change request {id} is {status} already; nothing was changed")]
    Closed {
        /// The request.
        id: u64,
        /// How it was closed (`applied`, `rejected`, `superseded`).
        status: &'static str,
    },
    /// The environment moved since the request was made; it must be rebased first.
    #[error(
        "change request {id} was made against a version of `{env}` that is no longer current, so it cannot be \
         applied as it is: rebase it (POST …/requests/{id}/rebase) and approve the new request"
    )]
    Stale {
        /// The environment.
        env: EnvName,
        /// The request.
        id: u64,
    },
    /// The author may not approve their own request.
    #[error("`{who}` proposed change request {id}, so another admin must approve it")]
    OwnRequest {
        /// The author, who asked to approve.
        who: String,
        /// The request.
        id: u64,
    },
    /// Rebasing left nothing to change: the environment has the request's bindings already.
    #[error("change request {id}'s bindings are all in `{env}` already; there is nothing left to propose")]
    NothingLeft {
        /// The environment.
        env: EnvName,
        /// The request.
        id: u64,
    },
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

fn corrupt(env: &EnvName, kind: RecordKind, number: Seq, error: &serde_json::Error) -> StorageError {
    StorageError::Corrupt {
        location: format!("{} {number} of the environment `{env}`", kind.dir()),
        detail: error.to_string(),
    }
}

/// Everything known about an environment's requests, read once.
struct Facts {
    requests: Vec<StoredRequest>,
    decisions: Vec<(u64, StoredDecision)>,
    /// The committed entries that applied a request.
    applied: Vec<HistoryEntry>,
    /// The environment's current versions (`None`: deleted).
    current: Option<EnvState>,
}

impl Facts {
    fn read(envs: &Environments, env: &EnvName) -> Result<Facts, StorageError> {
        let storage = envs.storage();
        let mut requests = Vec::new();
        for (number, bytes) in storage.records(env, RecordKind::Request)? {
            requests.push(
                serde_json::from_slice::<StoredRequest>(&bytes)
                    .map_err(|error| corrupt(env, RecordKind::Request, number, &error))?,
            );
        }
        let mut decisions = Vec::new();
        for (number, bytes) in storage.records(env, RecordKind::Decision)? {
            let decision = serde_json::from_slice::<StoredDecision>(&bytes)
                .map_err(|error| corrupt(env, RecordKind::Decision, number, &error))?;
            decisions.push((number.get(), decision));
        }
        // The environment before its history, as `committed_history` reads them.
        let stored = storage.read(env)?;
        let entries = storage.history(env)?;
        let committed = committed(&entries, stored.as_ref().map(|stored| &stored.state));
        let applied = committed.into_iter().filter(|entry| entry.approval.is_some()).collect();
        Ok(Facts { requests, decisions, applied, current: stored.map(|stored| stored.state) })
    }

    fn stored(&self, env: &EnvName, id: u64) -> Result<&StoredRequest, RequestError> {
        self.requests
            .iter()
            .find(|request| request.id == id)
            .ok_or_else(|| RequestError::NoSuchRequest { env: env.clone(), id })
    }

    fn view(&self, env: &EnvName, request: &StoredRequest) -> ChangeRequest {
        let applied =
            self.applied.iter().find(|entry| entry.approval.as_ref().is_some_and(|a| a.request == request.id));
        let decision = self.decisions.iter().find(|(id, _)| *id == request.id).map(|(_, decision)| decision);
        let (status, closed, superseded_by) = match (applied, decision) {
            (Some(entry), _) => {
                let approval = entry.approval.as_ref();
                let by = approval.map(|approval| approval.by.clone()).unwrap_or_default();
                let comment = approval.and_then(|approval| approval.comment.clone());
                (RequestStatus::Applied, Some(RequestDecision { by, comment, time_ms: entry.time_ms }), None)
            }
            (None, Some(StoredDecision::Rejected { by, comment, time_ms })) => (
                RequestStatus::Rejected,
                Some(RequestDecision { by: by.clone(), comment: comment.clone(), time_ms: *time_ms }),
                None,
            ),
            (None, Some(StoredDecision::Superseded { by, time_ms, replacement })) => (
                RequestStatus::Superseded,
                Some(RequestDecision { by: by.clone(), comment: None, time_ms: *time_ms }),
                Some(*replacement),
            ),
            (None, None) if request.is_current(self.current.as_ref()) => (RequestStatus::Open, None, None),
            (None, None) => (RequestStatus::Stale, None, None),
        };
        ChangeRequest {
            id: request.id,
            env: env.to_string(),
            kind: request.kind,
            author: request.author.clone(),
            reason: request.reason.clone(),
            time_ms: request.time_ms,
            from: request.from.clone(),
            base_version: request.base.clone(),
            changes: binding_diff(&Document::parse(&request.base_text), &Document::parse(&request.text)),
            lines: line_diff(&request.base_text, &request.text),
            presets: request.presets.as_ref().map(|p| preset_diff(&p.before, &p.after)).unwrap_or_default(),
            gate: request.gate.clone(),
            status,
            decision: closed,
            applied_seq: applied.map(|entry| entry.seq.get()),
            superseded_by,
        }
    }
}

impl Environments {
    /// Records `proposal` as a new change request on `env` by `meta.author`, changing
    /// nothing else. Refused if the environment moved since the proposal's base (a conflict)
    /// or if it would change nothing.
    pub fn propose(&self, env: &EnvName, proposal: Proposal, meta: ChangeMeta) -> Result<ChangeRequest, RequestError> {
        let current = self.read(env)?;
        if current.state.text != proposal.base {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(current.state.text) }.into());
        }
        if let Some(presets) = &proposal.presets
            && presets.base != current.state.settings
        {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(current.state.settings) }.into());
        }
        let presets_change = proposal.presets.as_ref().is_some_and(|presets| presets.before != presets.after);
        if proposal.text == proposal.base_text && !presets_change {
            return Err(StorageError::Unchanged { env: env.clone() }.into());
        }
        let storage = self.storage();
        let mut number = storage.records(env, RecordKind::Request)?.last().map_or(Seq::FIRST, |(n, _)| n.next());
        let mut request = StoredRequest {
            id: number.get(),
            kind: proposal.kind,
            author: meta.author,
            reason: meta.reason,
            time_ms: now_ms(),
            from: proposal.from.map(|from| from.to_string()),
            base: proposal.base,
            base_text: proposal.base_text,
            text: proposal.text,
            gate: proposal.gate,
            presets: proposal.presets.filter(|presets| presets.before != presets.after),
        };
        for _ in 0..NUMBER_ATTEMPTS {
            request.id = number.get();
            let bytes = serde_json::to_vec_pretty(&request)
                .map_err(|error| corrupt(env, RecordKind::Request, number, &error))?;
            if storage.create_record(env, RecordKind::Request, number, &bytes)? {
                return self.request(env, request.id);
            }
            number = number.next();
        }
        Err(StorageError::SeqTaken { env: env.clone(), seq: number }.into())
    }

    /// Every change request of `env`, newest first.
    pub fn requests(&self, env: &EnvName) -> Result<ChangeRequestList, RequestError> {
        let facts = Facts::read(self, env)?;
        let mut requests: Vec<ChangeRequest> = facts.requests.iter().map(|request| facts.view(env, request)).collect();
        requests.reverse();
        Ok(ChangeRequestList { env: env.to_string(), requests })
    }

    /// Change request `id` of `env`.
    pub fn request(&self, env: &EnvName, id: u64) -> Result<ChangeRequest, RequestError> {
        let facts = Facts::read(self, env)?;
        Ok(facts.view(env, facts.stored(env, id)?))
    }

    /// Applies change request `id`, approved by `approver` (never its author), as a change
    /// made against the request's base version and recorded under its author with the
    /// approval. Refused if the request is closed, or stale (the environment moved).
    pub fn approve(
        &self,
        env: &EnvName,
        id: u64,
        approver: &str,
        comment: Option<String>,
    ) -> Result<ChangeRequest, RequestError> {
        let facts = Facts::read(self, env)?;
        let stored = facts.stored(env, id)?;
        let view = facts.view(env, stored);
        if view.status.is_closed() {
            return Err(RequestError::Closed { id, status: view.status.as_str() });
        }
        if stored.author == approver {
            return Err(RequestError::OwnRequest { who: approver.to_owned(), id });
        }
        if view.status == RequestStatus::Stale {
            return Err(RequestError::Stale { env: env.clone(), id });
        }
        let meta = ChangeMeta {
            author: stored.author.clone(),
            reason: stored.reason.clone(),
            approval: Some(Approval { request: id, by: approver.to_owned(), comment }),
        };
        let stale = |error: StorageError| {
            // Moved between the read above and the write: stale after all.
            if error.is_conflict() { RequestError::Stale { env: env.clone(), id } } else { error.into() }
        };
        // The text first, then the presets: two commits, each conditional on the request's
        // base. A settings change slipping in between leaves the bindings applied and the
        // presets refused as stale; the history shows both.
        if stored.text != stored.base_text {
            let change = Change::Text { kind: stored.kind, expected: stored.base.clone(), text: stored.text.clone() };
            self.storage().commit(env, change, meta.clone()).map_err(stale)?;
        }
        if let Some(presets) = &stored.presets {
            let mut settings = self.read(env)?.settings;
            settings.presets = presets.after.clone();
            let change = Change::Settings { kind: ChangeKind::Preset, expected: presets.base.clone(), settings };
            self.storage().commit(env, change, meta).map_err(stale)?;
        }
        self.request(env, id)
    }

    /// Rejects change request `id`; nothing changes in the environment.
    pub fn reject(
        &self,
        env: &EnvName,
        id: u64,
        by: &str,
        comment: Option<String>,
    ) -> Result<ChangeRequest, RequestError> {
        let decision = StoredDecision::Rejected { by: by.to_owned(), comment, time_ms: now_ms() };
        self.close(env, id, &decision)?;
        self.request(env, id)
    }

    /// Makes change request `id`'s binding changes again on the environment's current text,
    /// as a new request by `by` (with the same kind, reason and source), and closes `id` as
    /// superseded by it. For a request that went stale; an open one may be rebased too.
    pub fn rebase(&self, env: &EnvName, id: u64, by: &str) -> Result<ChangeRequest, RequestError> {
        let facts = Facts::read(self, env)?;
        let stored = facts.stored(env, id)?.clone();
        let view = facts.view(env, &stored);
        if view.status.is_closed() {
            return Err(RequestError::Closed { id, status: view.status.as_str() });
        }
        let current = self.read(env)?;
        let plan = reapply(&view.changes, &Document::parse(&current.text));
        let presets = stored.presets.as_ref().map(|_| {
            let mut after = current.settings.presets.clone();
            for change in &view.presets {
                match &change.after {
                    Some(preset) => after.insert(change.model.clone(), preset.clone()),
                    None => after.remove(&change.model),
                };
            }
            PresetProposal { base: current.state.settings.clone(), before: current.settings.presets.clone(), after }
        });
        if plan.text == current.text && presets.as_ref().is_none_or(|presets| presets.before == presets.after) {
            return Err(RequestError::NothingLeft { env: env.clone(), id });
        }
        let proposal = Proposal {
            kind: stored.kind,
            base: current.state.text,
            base_text: current.text,
            text: plan.text,
            from: stored.from.as_deref().and_then(|from| from.parse().ok()),
            gate: stored.gate,
            presets,
        };
        let meta = ChangeMeta { author: by.to_owned(), reason: stored.reason, approval: None };
        let replacement = self.propose(env, proposal, meta)?;
        let decision = StoredDecision::Superseded { by: by.to_owned(), time_ms: now_ms(), replacement: replacement.id };
        // If someone decided on the old request meanwhile, the new one still stands on its own.
        match self.close(env, id, &decision) {
            Ok(()) | Err(RequestError::Closed { .. }) => Ok(replacement),
            Err(error) => Err(error),
        }
    }

    /// Writes the one decision that closes request `id` without applying it.
    fn close(&self, env: &EnvName, id: u64, decision: &StoredDecision) -> Result<(), RequestError> {
        let facts = Facts::read(self, env)?;
        let view = facts.view(env, facts.stored(env, id)?);
        if view.status.is_closed() {
            return Err(RequestError::Closed { id, status: view.status.as_str() });
        }
        let number = Seq::new(id).ok_or_else(|| RequestError::NoSuchRequest { env: env.clone(), id })?;
        let bytes =
            serde_json::to_vec_pretty(decision).map_err(|error| corrupt(env, RecordKind::Decision, number, &error))?;
        if self.storage().create_record(env, RecordKind::Decision, number, &bytes)? {
            Ok(())
        } else {
            // Another admin decided first.
            let now = self.request(env, id)?;
            Err(RequestError::Closed { id, status: now.status.as_str() })
        }
    }

    /// Whether changes to `env` must go through change requests: it is protected.
    pub fn is_protected(&self, env: &EnvName) -> Result<bool, StorageError> {
        Ok(self.storage().read_recent(env)?.is_some_and(|stored| stored.settings.protected))
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::EnvSettings;
    use bedrock_binder_shared::preset::Preset;

    use super::*;
    use crate::envs::NewEnv;

    fn meta(author: &str) -> ChangeMeta {
        ChangeMeta { author: author.to_owned(), reason: Some("why".to_owned()), approval: None }
    }

    fn prod() -> (tempfile::TempDir, Environments, EnvName) {
        let dir = tempfile::tempdir().expect("temp dir");
        let envs = Environments::directory(dir.path());
        let env: EnvName = "prod".parse().expect("valid");
        let settings = EnvSettings { protected: true, ..EnvSettings::default() };
        envs.create(&env, NewEnv { text: "# prod\na.x=us.a.x\n".to_owned(), settings }, meta("setup")).expect("create");
        (dir, envs, env)
    }

    fn propose(envs: &Environments, env: &EnvName, author: &str, text: &str) -> ChangeRequest {
        let current = envs.read(env).expect("read");
        let proposal = Proposal {
            kind: ChangeKind::Edit,
            base: current.state.text,
            base_text: current.text,
            text: text.to_owned(),
            from: None,
            gate: None,
            presets: None,
        };
        envs.propose(env, proposal, meta(author)).expect("proposed")
    }

    #[test]
    fn a_request_changes_nothing_until_another_admin_approves_it_and_the_history_names_both() {
        let (_dir, envs, env) = prod();
        let request = propose(&envs, &env, "erin", "# prod\na.x=us.a.x\nb.y=\n");
        assert_eq!((request.id, request.status), (1, RequestStatus::Open));
        assert_eq!(envs.read(&env).expect("read").text, "# prod\na.x=us.a.x\n");

        let own = envs.approve(&env, 1, "erin", None).expect_err("own request");
        assert!(matches!(own, RequestError::OwnRequest { .. }), "{own:?}");
        let applied = envs.approve(&env, 1, "ada", Some("looks right".to_owned())).expect("approved");
        assert_eq!(applied.status, RequestStatus::Applied);
        assert_eq!(applied.decision.as_ref().map(|d| d.by.as_str()), Some("ada"));
        assert_eq!(envs.read(&env).expect("read").text, "# prod\na.x=us.a.x\nb.y=\n");

        let history = envs.history(&env).expect("history");
        let last = &history.entries[0];
        assert_eq!((last.summary.author.as_str(), last.summary.seq), ("erin", applied.applied_seq.expect("seq")));
        let again = envs.approve(&env, 1, "ada", None).expect_err("closed");
        assert!(matches!(again, RequestError::Closed { status: "applied", .. }), "{again:?}");
    }

    #[test]
    fn a_request_made_against_an_older_version_is_stale_until_rebased() {
        let (_dir, envs, env) = prod();
        propose(&envs, &env, "erin", "# prod\na.x=eu.a.x\n");
        propose(&envs, &env, "erin", "# prod\na.x=us.a.x\nc.z=\n");
        envs.approve(&env, 1, "ada", None).expect("the first applies");

        let stale = envs.approve(&env, 2, "ada", None).expect_err("stale");
        assert!(matches!(stale, RequestError::Stale { .. }), "{stale:?}");
        assert_eq!(envs.request(&env, 2).expect("read").status, RequestStatus::Stale);
        assert_eq!(envs.read(&env).expect("read").text, "# prod\na.x=eu.a.x\n", "nothing applied blindly");

        let rebased = envs.rebase(&env, 2, "erin").expect("rebased");
        assert_eq!((rebased.id, rebased.status), (3, RequestStatus::Open));
        let old = envs.request(&env, 2).expect("read");
        assert_eq!((old.status, old.superseded_by), (RequestStatus::Superseded, Some(3)));
        envs.approve(&env, 3, "ada", None).expect("the rebased one applies");
        assert_eq!(envs.read(&env).expect("read").text, "# prod\na.x=eu.a.x\nc.z=\n");
    }

    #[test]
    fn a_rejected_request_stays_rejected_and_is_listed_newest_first() {
        let (_dir, envs, env) = prod();
        propose(&envs, &env, "erin", "# prod\n");
        propose(&envs, &env, "erin", "# prod\na.x=\n");
        let rejected = envs.reject(&env, 1, "ada", Some("no".to_owned())).expect("rejected");
        assert_eq!(rejected.status, RequestStatus::Rejected);
        assert!(matches!(envs.approve(&env, 1, "ada", None), Err(RequestError::Closed { status: "rejected", .. })));
        let listed: Vec<(u64, RequestStatus)> =
            envs.requests(&env).expect("list").requests.iter().map(|r| (r.id, r.status)).collect();
        assert_eq!(listed, [(2, RequestStatus::Open), (1, RequestStatus::Rejected)]);
        assert_eq!(envs.read(&env).expect("read").text, "# prod\na.x=us.a.x\n");
    }

    fn propose_preset(envs: &Environments, env: &EnvName, author: &str, json: &str) -> ChangeRequest {
        let preset: Preset = serde_json::from_str(json).expect("a valid preset");
        let presets = envs.preset_proposal(env, "a.x", Some(preset), None).expect("a bound model");
        let current = envs.read(env).expect("read");
        let proposal = Proposal {
            kind: ChangeKind::Preset,
            base: current.state.text,
            base_text: current.text.clone(),
            text: current.text,
            from: None,
            gate: None,
            presets: Some(presets),
        };
        envs.propose(env, proposal, meta(author)).expect("proposed")
    }

    #[test]
    fn a_preset_request_applies_only_on_approval_and_goes_stale_when_the_settings_move() {
        let (_dir, envs, env) = prod();
        let request = propose_preset(&envs, &env, "erin", r#"{"maxTokens":300}"#);
        assert_eq!(request.presets.len(), 1, "the request shows the preset it changes");
        assert!(request.changes.is_empty(), "and no binding");
        assert!(envs.read(&env).expect("read").settings.presets.is_empty(), "nothing written yet");

        envs.approve(&env, request.id, "ada", None).expect("approved");
        let stored = envs.read(&env).expect("read");
        assert_eq!(stored.settings.presets["a.x"].to_string(), "maxTokens=300");
        assert!(stored.settings.protected, "the other settings stay");
        assert_eq!(stored.text, "# prod\na.x=us.a.x\n", "the file stays");
        let history = envs.history(&env).expect("history");
        let last = &history.entries[0].summary;
        assert_eq!((last.kind, last.approver.as_deref(), last.presets.len()), (ChangeKind::Preset, Some("ada"), 1));

        // Made against settings that have moved since: stale, then rebased onto the new ones.
        let second = propose_preset(&envs, &env, "erin", r#"{"temperature":0.5}"#);
        let third = propose_preset(&envs, &env, "erin", r#"{"topP":0.5}"#);
        envs.approve(&env, second.id, "ada", None).expect("approved");
        let stale = envs.approve(&env, third.id, "ada", None).expect_err("stale");
        assert!(matches!(stale, RequestError::Stale { .. }), "{stale:?}");
        let rebased = envs.rebase(&env, third.id, "erin").expect("rebased");
        envs.approve(&env, rebased.id, "ada", None).expect("approved");
        assert_eq!(envs.read(&env).expect("read").settings.presets["a.x"].to_string(), "topP=0.5");
    }
}
