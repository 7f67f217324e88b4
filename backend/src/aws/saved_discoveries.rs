//! [`SavedDiscoveries`]: what live discovery found per region, kept on disk so the next start
//! (of the server or of a CLI command) uses it over the embedded catalog, with its age shown.
//!
//! One JSON file per region (`us-east-1.json`) in the user's cache directory
//! (`$XDG_CACHE_HOME/bedrock-binder/discoveries/PROFILE`, else `~/.cache/…`), replaced atomically
//! after each successful fetch. One folder per AWS profile name, since what a region offers
//! (application profiles above all) depends on the account the profile signs in to. It is a cache: a file that cannot be read or parsed (an older format,
//! a half-written file from another tool) is skipped with a log line, never an error, and the
//! embedded catalog answers instead.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::DiscoveredProfile;
use serde::{Deserialize, Serialize};

use super::discovery::{LiveModel, RegionSnapshot};
use crate::store::replace_file;

/// The file format's version; a file of another version is skipped.
const FORMAT: u32 = 1;

/// A directory of saved region snapshots.
#[derive(Debug, Clone)]
pub struct SavedDiscoveries {
    dir: PathBuf,
}

/// One region's file.
#[derive(Serialize, Deserialize)]
struct SavedRegion {
    format: u32,
    region: String,
    fetched_at: u64,
    models: Vec<LiveModel>,
    profiles: Vec<DiscoveredProfile>,
}

impl SavedDiscoveries {
    /// Snapshots saved in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> SavedDiscoveries {
        SavedDiscoveries { dir: dir.into() }
    }

    /// The user's cache directory for the AWS profile `profile` (`None`: the default chain):
    /// `BEDROCK_BINDER_CACHE_DIR/discoveries/PROFILE`, else
    /// `$XDG_CACHE_HOME/bedrock-binder/discoveries/PROFILE`, else under `$HOME/.cache`; `None`
    /// without a home. The default chain's folder is `default`, as the AWS CLI names it.
    pub fn in_user_cache(profile: Option<&str>) -> Option<SavedDiscoveries> {
        let root = user_cache_root()?;
        // A profile name becomes a folder name: keep it to one harmless path segment.
        let folder: String = profile
            .unwrap_or("default")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
            .collect();
        let folder = if folder.is_empty() || folder.starts_with('.') { format!("_{folder}") } else { folder };
        Some(SavedDiscoveries::new(root.join(folder)))
    }

    /// Whether any region of any AWS profile is saved in the user's cache directory.
    pub fn any_in_user_cache() -> bool {
        let Some(Ok(folders)) = user_cache_root().map(fs::read_dir) else { return false };
        folders.filter_map(Result::ok).any(|folder| SavedDiscoveries::new(folder.path()).any())
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether any region is saved (without reading them).
    pub fn any(&self) -> bool {
        fs::read_dir(&self.dir).is_ok_and(|mut entries| {
            entries.any(|entry| entry.is_ok_and(|entry| entry.path().extension().is_some_and(|e| e == "json")))
        })
    }

    /// Every readable snapshot, in no particular order. A missing directory is none.
    pub fn load_all(&self) -> Vec<RegionSnapshot> {
        let Ok(entries) = fs::read_dir(&self.dir) else { return Vec::new() };
        entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
            .filter_map(|path| match read(&path) {
                Ok(snapshot) => Some(snapshot),
                Err(reason) => {
                    tracing::warn!(path = %path.display(), "a saved discovery was skipped: {reason}");
                    None
                }
            })
            .collect()
    }

    /// Saves a region's snapshot, replacing the one saved before.
    pub fn save(&self, snapshot: &RegionSnapshot) -> io::Result<()> {
        let saved = SavedRegion {
            format: FORMAT,
            region: snapshot.region.to_string(),
            fetched_at: snapshot.fetched_at,
            models: snapshot.models.clone(),
            profiles: snapshot.profiles.clone(),
        };
        let json = serde_json::to_vec(&saved).map_err(io::Error::other)?;
        replace_file(&self.dir.join(format!("{}.json", snapshot.region)), &json)
    }
}

/// `BEDROCK_BINDER_CACHE_DIR/discoveries`, else `$XDG_CACHE_HOME/bedrock-binder/discoveries`,
/// else `$HOME/.cache/bedrock-binder/discoveries`.
fn user_cache_root() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    let root = match non_empty("BEDROCK_BINDER_CACHE_DIR") {
        Some(dir) => dir,
        None => non_empty("XDG_CACHE_HOME")
            .or_else(|| non_empty("HOME").map(|home| home.join(".cache")))?
            .join("bedrock-binder"),
    };
    Some(root.join("discoveries"))
}

fn read(path: &Path) -> Result<RegionSnapshot, String> {
    let bytes = fs::read(path).map_err(|error| error.to_string())?;
    let saved: SavedRegion = serde_json::from_slice(&bytes).map_err(|error| error.to_string())?;
    if saved.format != FORMAT {
        return Err(format!("format {} is not {FORMAT}", saved.format));
    }
    let region: Region =
        saved.region.parse().map_err(|error: bedrock_binder_shared::region::RegionError| error.to_string())?;
    if path.file_stem().is_none_or(|stem| stem != region.as_str()) {
        return Err(format!("it names the region {region}"));
    }
    Ok(RegionSnapshot { region, fetched_at: saved.fetched_at, models: saved.models, profiles: saved.profiles })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(region: &str) -> RegionSnapshot {
        RegionSnapshot {
            region: region.parse().expect("region"),
            fetched_at: 1_764_000_000,
            models: vec![LiveModel {
                id: "amazon.nova-pro-v1:0".to_owned(),
                arn: "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".to_owned(),
                name: "Nova Pro".to_owned(),
                provider: "Amazon".to_owned(),
                inference_types: vec!["INFERENCE_PROFILE".to_owned()],
                lifecycle: Some("ACTIVE".to_owned()),
                streaming: Some(true),
            }],
            profiles: Vec::new(),
        }
    }

    #[test]
    fn a_saved_region_reads_back_as_it_was_fetched() {
        let dir = tempfile::tempdir().expect("dir");
        let saved = SavedDiscoveries::new(dir.path().join("discoveries"));
        saved.save(&snapshot("us-east-1")).expect("saved");
        let loaded = saved.load_all();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].region.as_str(), "us-east-1");
        assert_eq!(loaded[0].fetched_at, 1_764_000_000);
        assert_eq!(loaded[0].models, snapshot("us-east-1").models);
    }

    #[test]
    fn an_unreadable_or_foreign_file_is_skipped_not_an_error() {
        let dir = tempfile::tempdir().expect("dir");
        let saved = SavedDiscoveries::new(dir.path());
        saved.save(&snapshot("eu-west-1")).expect("saved");
        fs::write(dir.path().join("us-east-1.json"), b"{ half a file").expect("write");
        fs::write(dir.path().join("us-west-2.json"), fs::read(dir.path().join("eu-west-1.json")).expect("read"))
            .expect("write");
        let regions: Vec<String> = saved.load_all().iter().map(|s| s.region.to_string()).collect();
        assert_eq!(regions, vec!["eu-west-1"], "only the file that is what it says it is");
    }

    #[test]
    fn each_aws_profile_has_a_folder_of_its_own_named_safely() {
        let folder =
            |profile| SavedDiscoveries::in_user_cache(profile).map(|saved| saved.dir().file_name().unwrap().to_owned());
        // HOME is set for the test process, as it is for a user's.
        assert_eq!(folder(None).as_deref(), Some(std::ffi::OsStr::new("default")));
        assert_eq!(folder(Some("prod-admin")).as_deref(), Some(std::ffi::OsStr::new("prod-admin")));
        assert_eq!(folder(Some("../etc")).as_deref(), Some(std::ffi::OsStr::new("_.._etc")));
    }

    #[test]
    fn no_directory_means_nothing_saved() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(SavedDiscoveries::new(dir.path().join("missing")).load_all().is_empty());
    }
}
