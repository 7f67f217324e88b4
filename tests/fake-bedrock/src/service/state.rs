//! State and scripts: everything the fake knows and has seen, and how control scripts,
//! failure rules and latency rules change it.
//!
//! The other service modules import this one and it imports none of them, so the state stays
//! the bottom layer: the operations read and change it, the router locks it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use crate::data::{FakeModel, FakeProfile, RegionData};
use crate::metrics::{MetricSeries, add_series};
use crate::script::{ControlScript, LatencyRule, Operation, RequestRecord, Rule};
use crate::wire::{Arn, now_epoch_seconds};

/// The state shared by the server and every [`crate::FakeHandle`].
pub(crate) type Shared = Arc<Mutex<State>>;

/// Locks the state. A panic while it was held (a bug in a test's closure) leaves data that is
/// still consistent enough for a fake, so poisoning is ignored.
pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The configuration a fake starts from, kept for [`State::reset`].
#[derive(Debug, Clone)]
pub(crate) struct Initial {
    pub(crate) regions: BTreeMap<String, RegionData>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) latency: Vec<LatencyRule>,
    /// CloudWatch's series, placed in time.
    pub(crate) metrics: Vec<MetricSeries>,
    /// See [`ControlScript::metrics_page_limit`].
    pub(crate) metrics_page_limit: Option<usize>,
}

/// A CreateInferenceProfile answered before under a `clientRequestToken`.
#[derive(Debug, Clone)]
pub(super) struct Created {
    /// The request's parameters: a retry must repeat them.
    pub(super) parameters: Value,
    /// The ARN answered.
    pub(super) arn: String,
}

/// Everything the fake knows and has seen.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) account: String,
    /// The region of requests authenticated with a bearer token, which names none.
    pub(crate) default_region: String,
    pub(crate) initial: Initial,
    pub(crate) regions: BTreeMap<String, RegionData>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) latency: Vec<LatencyRule>,
    pub(crate) metrics: Vec<MetricSeries>,
    pub(crate) metrics_page_limit: Option<usize>,
    pub(crate) requests: Vec<RequestRecord>,
    /// Keyed by region and token.
    pub(super) created: HashMap<(String, String), Created>,
    /// Counts requests (for request ids) and created profiles (for their ids).
    counter: u64,
}

impl State {
    pub(crate) fn new(account: String, default_region: String, initial: Initial) -> State {
        State {
            account,
            default_region,
            regions: initial.regions.clone(),
            rules: initial.rules.clone(),
            latency: initial.latency.clone(),
            metrics: initial.metrics.clone(),
            metrics_page_limit: initial.metrics_page_limit,
            initial,
            requests: Vec::new(),
            created: HashMap::new(),
            counter: 0,
        }
    }

    /// Back to the configuration the fake started with: data, rules and latency; the request
    /// log and idempotency tokens are cleared.
    pub(crate) fn reset(&mut self) {
        self.regions = self.initial.regions.clone();
        self.rules = self.initial.rules.clone();
        self.latency = self.initial.latency.clone();
        self.metrics = self.initial.metrics.clone();
        self.metrics_page_limit = self.initial.metrics_page_limit;
        self.requests.clear();
        self.created.clear();
    }

    /// Adds a control script's rules, latency and data changes; a script with a profile patch
    /// for a profile that does not exist changes nothing and says which.
    pub(crate) fn apply(&mut self, script: ControlScript) -> Result<(), String> {
        if let Some(patch) = script.profiles.iter().find(|p| {
            // A model patch cannot add a profile, so checking before applying anything is exact.
            self.region(&p.region).and_then(|data| data.profile(&p.profile_id)).is_none()
        }) {
            return Err(format!("{} has no inference profile `{}`", patch.region, patch.profile_id));
        }
        self.rules.extend(script.rules);
        self.latency.extend(script.latency);
        let now = now_epoch_seconds();
        for series in script.metrics {
            add_series(&mut self.metrics, series, now);
        }
        if script.metrics_page_limit.is_some() {
            self.metrics_page_limit = script.metrics_page_limit;
        }
        for patch in script.models {
            let data = self.regions.entry(patch.region).or_default();
            if patch.remove {
                data.models.retain(|m| m.model_id != patch.model_id);
                continue;
            }
            if data.model(&patch.model_id).is_none() {
                data.models.push(FakeModel::new(patch.model_id.clone()));
            }
            if let Some(model) = data.model_mut(&patch.model_id) {
                if let Some(types) = patch.inference_types {
                    model.inference_types = types;
                }
                if let Some(lifecycle) = patch.lifecycle {
                    model.lifecycle = lifecycle;
                }
            }
        }
        for patch in script.profiles {
            let profile = self.regions.get_mut(&patch.region).and_then(|data| data.profile_mut(&patch.profile_id));
            if let (Some(profile), Some(status)) = (profile, patch.status) {
                profile.status = status;
            }
        }
        Ok(())
    }

    pub(super) fn next_count(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// The delay of the first matching latency rule.
    pub(super) fn latency_for(&self, operation: Operation, region: &str) -> Option<Duration> {
        self.latency
            .iter()
            .find(|rule| rule.matches(operation, region))
            .map(|rule| Duration::from_millis(rule.delay_ms))
    }

    /// The first matching failure rule, using up one of its `times`.
    pub(super) fn take_rule(&mut self, operation: Operation, identifier: Option<&str>, region: &str) -> Option<Rule> {
        let index = self.rules.iter().position(|rule| rule.matches(operation, identifier, region))?;
        let rule = self.rules[index].clone();
        if let Some(times) = &mut self.rules[index].times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.rules.remove(index);
            }
        }
        Some(rule)
    }

    pub(super) fn region(&self, region: &str) -> Option<&RegionData> {
        self.regions.get(region)
    }

    /// A model by id or foundation-model ARN of this region.
    pub(super) fn lookup_model(&self, region: &str, identifier: &str) -> Option<&FakeModel> {
        let model_id = match Arn::parse(identifier) {
            Some(arn) if arn.resource_type == "foundation-model" && arn.region == region && arn.account.is_empty() => {
                arn.resource_id
            }
            Some(_) => return None,
            None => identifier,
        };
        self.region(region)?.model(model_id)
    }

    /// A profile by id or ARN of this region and account.
    pub(super) fn lookup_profile(&self, region: &str, identifier: &str) -> Option<&FakeProfile> {
        let data = self.region(region)?;
        match Arn::parse(identifier) {
            Some(arn) => {
                if arn.region != region || arn.account != self.account {
                    return None;
                }
                data.profile(arn.resource_id).filter(|p| p.profile_type.arn_resource_type() == arn.resource_type)
            }
            None => data.profile(identifier),
        }
    }
}
