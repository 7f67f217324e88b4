//! A refresh from AWS: the regions typed in the region box, and each region's progress.

use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::{RefreshProgress, RegionProgress, RegionState};

/// The regions typed in the region box: separated by commas or spaces, duplicates dropped, in
/// the order typed. The error names the entry that is not a region.
pub fn parse_regions(text: &str) -> Result<Vec<Region>, String> {
    let mut regions: Vec<Region> = Vec::new();
    for entry in text.split([',', ' ', '\n', '\t']).filter(|entry| !entry.is_empty()) {
        let region: Region = entry.parse().map_err(|_| format!("`{entry}` is not a region name, like us-east-1"))?;
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        return Err("name at least one region, like us-east-1".to_owned());
    }
    Ok(regions)
}

/// One region's line in the refresh progress list.
pub fn progress_text(progress: &RegionProgress) -> String {
    match progress.state {
        RegionState::Pending => "waiting".to_owned(),
        RegionState::Running => "fetching…".to_owned(),
        RegionState::Done => {
            let mut text = format!("{} models, {} profiles", progress.models, progress.profiles);
            if progress.cached {
                text.push_str(" (from the cache)");
            } else if let Some(ms) = progress.elapsed_ms {
                text.push_str(&format!(" in {ms} ms"));
            }
            text
        }
        RegionState::Failed => match &progress.error {
            Some(diagnosis) => format!("failed: {}", diagnosis.explanation),
            None => "failed".to_owned(),
        },
    }
}

/// The sentence above the progress list.
pub fn progress_summary(progress: &RefreshProgress) -> String {
    let total = progress.regions.len();
    let count = |state: RegionState| progress.regions.iter().filter(|r| r.state == state).count();
    let (done, failed) = (count(RegionState::Done), count(RegionState::Failed));
    let regions = |n: usize| format!("{n} region{}", if n == 1 { "" } else { "s" });
    if progress.running {
        return format!("Refreshing: {done} of {} done", regions(total));
    }
    let mut text = format!("Refreshed {}", regions(done));
    if let Some(ms) = progress.elapsed_ms {
        text.push_str(&format!(" in {ms} ms"));
    }
    if failed > 0 {
        text.push_str(&format!("; {} failed", regions(failed)));
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::aws_failure::AwsFailure;

    use super::*;

    #[test]
    fn regions_are_split_deduplicated_and_a_bad_one_is_named() {
        let regions = parse_regions("us-east-1, eu-west-1 us-east-1").expect("regions");
        let names: Vec<&str> = regions.iter().map(Region::as_str).collect();
        assert_eq!(names, ["us-east-1", "eu-west-1"]);
        assert_eq!(
            parse_regions("us-east-1,useast1").expect_err("bad"),
            "`useast1` is not a region name, like us-east-1"
        );
        assert!(parse_regions(" , ").is_err());
    }

    fn progress(region: &str, state: RegionState) -> RegionProgress {
        RegionProgress {
            region: region.to_owned(),
            state,
            models: 90,
            profiles: 40,
            elapsed_ms: Some(310),
            cached: false,
            error: None,
        }
    }

    #[test]
    fn progress_says_what_each_region_is_doing_and_sums_up() {
        let running = RefreshProgress {
            running: true,
            regions: vec![progress("us-east-1", RegionState::Done), progress("eu-west-1", RegionState::Running)],
            elapsed_ms: None,
        };
        assert_eq!(progress_summary(&running), "Refreshing: 1 of 2 regions done");
        assert_eq!(progress_text(&running.regions[0]), "90 models, 40 profiles in 310 ms");
        assert_eq!(progress_text(&running.regions[1]), "fetching…");

        let mut failed = progress("ap-south-1", RegionState::Failed);
        failed.error = Some(AwsFailure::unreachable("connection refused"));
        let finished = RefreshProgress {
            running: false,
            regions: vec![progress("us-east-1", RegionState::Done), failed],
            elapsed_ms: Some(420),
        };
        assert_eq!(progress_summary(&finished), "Refreshed 1 region in 420 ms; 1 region failed.");
        assert!(progress_text(&finished.regions[1]).starts_with("failed: "));
    }
}
