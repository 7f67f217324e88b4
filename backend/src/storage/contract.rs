//! The contract every [`Storage`] keeps, written once as generic functions over the trait.
//!
//! Each backend's tests call every `contract_*` function with a `make` that returns a fresh,
//! empty store: [`LocalDirStore`](super::LocalDirStore), and [`S3Store`](super::S3Store)
//! against a real S3-compatible server (moto), so that the two cannot drift apart.

use std::collections::BTreeSet;

use bedrock_binder_shared::Version;
use bedrock_binder_shared::env_name::EnvName;

use super::{Change, ChangeKind, ChangeMeta, EnvSettings, HistoryEntry, RecordKind, Seq, Storage, StorageError, plan};
use crate::store::version_of;

/// The contract's tests, one `#[test]` each, for a backend whose `run(test)` hands `test` a
/// `make` of fresh, empty stores.
macro_rules! contract_tests {
    ($run:ident) => {
        #[test]
        fn environments_are_created_read_and_listed_in_name_order() {
            $run(|make| $crate::storage::contract::contract_create_read_list(make));
        }
        #[test]
        fn creating_an_existing_environment_is_refused() {
            $run(|make| $crate::storage::contract::contract_create_only_if_absent(make));
        }
        #[test]
        fn a_stale_text_write_is_refused_and_the_text_is_kept() {
            $run(|make| $crate::storage::contract::contract_stale_write_is_refused(make));
        }
        #[test]
        fn settings_round_trip_and_a_stale_settings_write_is_refused() {
            $run(|make| $crate::storage::contract::contract_settings_round_trip(make));
        }
        #[test]
        fn a_used_sequence_number_is_refused_and_the_entry_kept() {
            $run(|make| $crate::storage::contract::contract_history_append_refuses_used_seq(make));
        }
        #[test]
        fn an_entry_whose_environment_write_never_happened_is_not_committed() {
            $run(|make| $crate::storage::contract::contract_crash_between_writes_commits_nothing(make));
        }
        #[test]
        fn a_stale_or_empty_change_records_nothing() {
            $run(|make| $crate::storage::contract::contract_refused_changes_record_nothing(make));
        }
        #[test]
        fn a_deleted_environment_keeps_its_history_and_can_be_created_again() {
            $run(|make| $crate::storage::contract::contract_delete_keeps_history(make));
        }
        #[test]
        fn racing_writers_lose_no_update() {
            $run(|make| $crate::storage::contract::contract_racing_writers_lose_no_update(make));
        }
        #[test]
        fn records_are_created_once_and_read_back_by_number() {
            $run(|make| $crate::storage::contract::contract_records_are_created_once(make));
        }
    };
}
pub(crate) use contract_tests;

fn name(text: &str) -> EnvName {
    text.parse().unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn meta() -> ChangeMeta {
    ChangeMeta { author: "local".to_owned(), reason: None, approval: None }
}

fn settings(description: &str) -> EnvSettings {
    EnvSettings {
        description: description.to_owned(),
        aws_profile: Some("prod-admin".to_owned()),
        region: Some("eu-west-1".parse().expect("valid region")),
        protected: true,
        // A preset too, so that every store keeps it byte for byte with the rest.
        presets: std::collections::BTreeMap::from([(
            "amazon.nova-pro-v1:0".to_owned(),
            serde_json::from_str(r#"{"maxTokens":512,"temperature":0.2,"requestMetadata":{"team":"search"}}"#)
                .expect("a valid preset"),
        )]),
    }
}

fn text_version<S: Storage>(store: &S, env: &EnvName) -> Version {
    store.read(env).expect("read").expect("the environment exists").state.text
}

fn edit<S: Storage>(store: &S, env: &EnvName, text: &str) -> HistoryEntry {
    let expected = text_version(store, env);
    store
        .commit(env, Change::Text { kind: ChangeKind::Edit, expected, text: text.to_owned() }, meta())
        .expect("edit commits")
}

fn seqs(entries: &[HistoryEntry]) -> Vec<u64> {
    entries.iter().map(|entry| entry.seq.get()).collect()
}

/// The entry a writer appends for a text change just before it dies, without the write.
fn orphan_edit<S: Storage>(store: &S, env: &EnvName, text: &str) -> HistoryEntry {
    let stored = store.read(env).expect("read");
    let expected = text_version(store, env);
    let change = Change::Text { kind: ChangeKind::Edit, expected, text: text.to_owned() };
    let mut entry = plan(env, stored.as_ref(), &change, meta()).expect("plan");
    entry.seq = store.history(env).expect("history").last().map_or(Seq::FIRST, |last| last.seq.next());
    store.append_history(env, &entry).expect("append");
    entry
}

/// Created environments read back as written and list in name order, whatever the order
/// of creation or of the backend's listing.
pub(crate) fn contract_create_read_list<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    assert!(store.list().expect("list").is_empty());
    for env in ["staging", "default", "prod-eu", "dev"] {
        store.create(&name(env), &format!("# {env}\n"), &settings(env)).expect("create");
    }
    assert_eq!(store.list().expect("list"), ["default", "dev", "prod-eu", "staging"].map(name));
    let stored = store.read(&name("prod-eu")).expect("read").expect("exists");
    assert_eq!(stored.text, "# prod-eu\n");
    assert_eq!(stored.settings, settings("prod-eu"));
    assert_eq!(stored.state.text, version_of(b"# prod-eu\n"));
    assert!(store.read(&name("missing")).expect("read").is_none());
}

/// A create is refused when the environment exists, and changes nothing.
pub(crate) fn contract_create_only_if_absent<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("prod");
    store.create(&env, "first\n", &EnvSettings::default()).expect("create");
    let error = store.create(&env, "second\n", &settings("other")).expect_err("exists");
    assert!(matches!(error, StorageError::AlreadyExists { .. }), "{error:?}");
    let error = store
        .commit(&env, Change::Create { text: "third\n".into(), settings: EnvSettings::default() }, meta())
        .expect_err("exists");
    assert!(matches!(error, StorageError::AlreadyExists { .. }), "{error:?}");
    let stored = store.read(&env).expect("read").expect("exists");
    assert_eq!((stored.text.as_str(), stored.settings), ("first\n", EnvSettings::default()));
    assert!(store.history(&env).expect("history").is_empty(), "a refused create records nothing");
}

/// A write against a version that is no longer current is refused with the current version,
/// and the stored text is kept.
pub(crate) fn contract_stale_write_is_refused<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("dev");
    store.create(&env, "a\n", &EnvSettings::default()).expect("create");
    let read = text_version(&store, &env);
    let written = store.write_text(&env, &read, "b\n").expect("current version");
    assert_eq!(written, version_of(b"b\n"));
    match store.write_text(&env, &read, "c\n") {
        Err(StorageError::Conflict { current, .. }) => assert_eq!(current, Some(written)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.read(&env).expect("read").expect("exists").text, "b\n");
    let error = store.write_text(&name("missing"), &read, "x\n").expect_err("no such environment");
    assert!(matches!(error, StorageError::NotFound { .. }), "{error:?}");
    assert!(store.list().expect("list") == [env], "a refused write creates nothing");
}

/// Settings read back as written, a stale settings write is refused, and neither touches
/// the text.
pub(crate) fn contract_settings_round_trip<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("prod");
    store.create(&env, "a\n", &settings("first")).expect("create");
    let before = store.read(&env).expect("read").expect("exists");
    assert_eq!(before.settings, settings("first"));
    let changed = EnvSettings { region: None, protected: false, ..settings("second") };
    store.write_settings(&env, &before.state.settings, &changed).expect("current version");
    let after = store.read(&env).expect("read").expect("exists");
    assert_eq!(after.settings, changed);
    assert_eq!(after.state.text, before.state.text);
    let error = store.write_settings(&env, &before.state.settings, &settings("third")).expect_err("stale");
    assert!(
        matches!(&error, StorageError::Conflict { current: Some(current), .. } if *current == after.state.settings)
    );
    assert_eq!(store.read(&env).expect("read").expect("exists").settings, changed);
}

/// A sequence number can be used once; the first entry under it stays, and the history
/// reads in number order whatever the order of appending.
pub(crate) fn contract_history_append_refuses_used_seq<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("dev");
    store.create(&env, "a\n", &EnvSettings::default()).expect("create");
    let first = orphan_edit(&store, &env, "b\n");
    let mut rival = first.clone();
    rival.author = "someone else".into();
    match store.append_history(&env, &rival) {
        Err(StorageError::SeqTaken { seq, .. }) => assert_eq!(seq, first.seq),
        other => panic!("expected the number to be taken, got {other:?}"),
    }
    for n in [3, 2, 10] {
        let mut entry = first.clone();
        entry.seq = Seq::new(n).expect("non-zero");
        store.append_history(&env, &entry).expect("unused number");
    }
    let history = store.history(&env).expect("history");
    assert_eq!(seqs(&history), [1, 2, 3, 10]);
    assert_eq!(history[0], first);
}

/// A writer that dies between the entry and the environment write leaves an entry that
/// never reads as committed, even when a later writer makes the very same change; the next
/// writer skips its number.
pub(crate) fn contract_crash_between_writes_commits_nothing<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("staging");
    store
        .commit(&env, Change::Create { text: "a\n".into(), settings: EnvSettings::default() }, meta())
        .expect("create");
    edit(&store, &env, "b\n");
    let orphan = orphan_edit(&store, &env, "c\n");
    assert_eq!(orphan.seq.get(), 3);
    assert_eq!(seqs(&store.committed_history(&env).expect("committed")), [1, 2]);
    assert_eq!(store.read(&env).expect("read").expect("exists").text, "b\n");

    // The next writer skips number 3 and makes a different change, then one retries the
    // dead writer's very change (b → c), then a revert to b, then the change again.
    assert_eq!(edit(&store, &env, "d\n").seq.get(), 4);
    let orphan = orphan_edit(&store, &env, "b\n");
    edit(&store, &env, "b\n");
    edit(&store, &env, "c\n");
    let committed = store.committed_history(&env).expect("committed");
    assert_eq!(seqs(&committed), [1, 2, 4, 6, 7], "orphans 3 and {} are not committed", orphan.seq);
    let texts: Vec<_> = committed.iter().map(|entry| entry.new_text.as_deref()).collect();
    assert_eq!(texts, [Some("a\n"), Some("b\n"), Some("d\n"), Some("b\n"), Some("c\n")]);

    // A settings change that died is not committed either, and does not hide text changes.
    let stored = store.read(&env).expect("read").expect("exists");
    let change = Change::Settings {
        kind: ChangeKind::Settings,
        expected: stored.state.settings.clone(),
        settings: settings("lost"),
    };
    let mut lost = plan(&env, Some(&stored), &change, meta()).expect("plan");
    lost.seq = Seq::new(8).expect("non-zero");
    store.append_history(&env, &lost).expect("append");
    let kept = store
        .commit(
            &env,
            Change::Settings {
                kind: ChangeKind::Settings,
                expected: stored.state.settings,
                settings: settings("kept"),
            },
            meta(),
        )
        .expect("settings commit");
    assert_eq!(kept.seq.get(), 9);
    assert_eq!(seqs(&store.committed_history(&env).expect("committed")), [1, 2, 4, 6, 7, 9]);
    assert_eq!(seqs(&store.history(&env).expect("history")), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/// A change against a stale version is refused before anything is written, and a change that
/// changes nothing is not recorded.
pub(crate) fn contract_refused_changes_record_nothing<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("dev");
    store
        .commit(&env, Change::Create { text: "a\n".into(), settings: EnvSettings::default() }, meta())
        .expect("create");
    let stale = text_version(&store, &env);
    edit(&store, &env, "b\n");
    let error = store
        .commit(&env, Change::Text { kind: ChangeKind::Edit, expected: stale, text: "c\n".into() }, meta())
        .expect_err("stale");
    assert!(matches!(&error, StorageError::Conflict { current: Some(current), .. } if *current == version_of(b"b\n")));
    let current = text_version(&store, &env);
    let error = store
        .commit(&env, Change::Text { kind: ChangeKind::Edit, expected: current, text: "b\n".into() }, meta())
        .expect_err("no change");
    assert!(matches!(error, StorageError::Unchanged { .. }), "{error:?}");
    assert_eq!(seqs(&store.history(&env).expect("history")), [1, 2]);
}

/// A deleted environment is gone from the list, keeps its history, and a new create
/// continues it; the first life's settings changes stay committed.
pub(crate) fn contract_delete_keeps_history<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let env = name("scratch");
    store.commit(&env, Change::Create { text: "a\n".into(), settings: settings("one") }, meta()).expect("create");
    edit(&store, &env, "b\n");
    let stored = store.read(&env).expect("read").expect("exists");
    store
        .commit(
            &env,
            Change::Settings { kind: ChangeKind::Settings, expected: stored.state.settings, settings: settings("two") },
            meta(),
        )
        .expect("settings");
    let stale = stored.state.text;
    edit(&store, &env, "c\n");
    let error = store.commit(&env, Change::Delete { expected: stale }, meta()).expect_err("stale delete");
    assert!(matches!(error, StorageError::Conflict { .. }), "{error:?}");
    let current = text_version(&store, &env);
    store.commit(&env, Change::Delete { expected: current }, meta()).expect("delete");

    assert!(store.list().expect("list").is_empty());
    assert!(store.read(&env).expect("read").is_none());
    let committed = store.committed_history(&env).expect("committed");
    let kinds: Vec<_> = committed.iter().map(|entry| entry.kind).collect();
    use ChangeKind::{Create, Delete, Edit, Settings};
    assert_eq!(kinds, [Create, Edit, Settings, Edit, Delete]);
    assert_eq!(committed[4].previous_text.as_deref(), Some("c\n"), "the delete keeps the last text");

    store.commit(&env, Change::Create { text: "again\n".into(), settings: settings("three") }, meta()).expect("create");
    let stored = store.read(&env).expect("read").expect("exists");
    assert_eq!((stored.text.as_str(), stored.settings), ("again\n", settings("three")));
    let kinds: Vec<_> =
        store.committed_history(&env).expect("committed").iter().map(|entry| entry.kind).collect::<Vec<_>>();
    assert_eq!(kinds, [Create, Edit, Settings, Edit, Delete, Create]);
}

/// Sixteen writers race on one environment. Once with one shared starting version: exactly one
/// wins and its text is what is stored. Then each retrying until it gets through: every edit
/// survives, exactly once, and the committed history is the chain of exactly those edits.
pub(crate) fn contract_racing_writers_lose_no_update<S: Storage>(make: impl Fn() -> S) {
    const WRITERS: usize = 16;
    let store = make();
    let env = name("shared");
    store
        .commit(&env, Change::Create { text: String::new(), settings: EnvSettings::default() }, meta())
        .expect("create");

    let single = name("one-winner");
    store.create(&single, "", &EnvSettings::default()).expect("create");
    let start = text_version(&store, &single);
    let barrier = std::sync::Barrier::new(WRITERS);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|n| {
                let (store, single, start, barrier) = (&store, &single, start.clone(), &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    store.write_text(single, &start, &format!("writer {n}\n")).map(|_| n)
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().expect("writer thread")).collect()
    });
    let winners: Vec<usize> = results.iter().filter_map(|result| result.as_ref().ok().copied()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let stored = store.read(&single).expect("read").expect("exists");
    assert_eq!(stored.text, format!("writer {}\n", winners[0]));
    for result in &results {
        assert!(matches!(result, Ok(_) | Err(StorageError::Conflict { .. })), "{result:?}");
    }

    let barrier = std::sync::Barrier::new(WRITERS);
    std::thread::scope(|scope| {
        for n in 0..WRITERS {
            let (store, env, barrier) = (&store, &env, &barrier);
            scope.spawn(move || {
                barrier.wait();
                loop {
                    let stored = store.read(env).expect("read").expect("exists");
                    let text = format!("{}line {n}\n", stored.text);
                    let change = Change::Text { kind: ChangeKind::Edit, expected: stored.state.text, text };
                    match store.commit(env, change, meta()) {
                        Ok(_) => return,
                        Err(StorageError::Conflict { .. }) => continue,
                        Err(other) => panic!("writer {n}: {other}"),
                    }
                }
            });
        }
    });
    let stored = store.read(&env).expect("read").expect("exists");
    let lines: Vec<&str> = stored.text.lines().filter(|line| line.starts_with("line ")).collect();
    assert_eq!(lines.len(), WRITERS, "{}", stored.text);
    assert_eq!(lines.iter().collect::<BTreeSet<_>>().len(), WRITERS, "each edit exactly once");

    let committed = store.committed_history(&env).expect("committed");
    assert_eq!(committed.len(), 1 + WRITERS, "the create and one entry per accepted edit");
    assert_eq!(committed.last().and_then(|entry| entry.new_text.as_deref()), Some(stored.text.as_str()));
    for pair in committed.windows(2) {
        assert_eq!(pair[1].previous_text, pair[0].new_text, "the chain is unbroken at {}", pair[1].seq);
    }
}

/// Records are created once per number (a second create of the number is refused and keeps the
/// first), read back by number whatever the order of creation, and kept per kind and per
/// environment.
pub(crate) fn contract_records_are_created_once<S: Storage>(make: impl Fn() -> S) {
    let store = make();
    let (prod, dev) = (name("prod"), name("dev"));
    assert!(store.records(&prod, RecordKind::Request).expect("records").is_empty());
    let number = |n| Seq::new(n).expect("non-zero");
    assert!(store.create_record(&prod, RecordKind::Request, number(2), b"second").expect("create"));
    assert!(store.create_record(&prod, RecordKind::Request, number(1), b"first").expect("create"));
    assert!(!store.create_record(&prod, RecordKind::Request, number(1), b"again").expect("create"));
    assert!(store.create_record(&prod, RecordKind::Decision, number(1), b"decided").expect("create"));
    assert!(store.create_record(&dev, RecordKind::Request, number(1), b"dev's").expect("create"));
    let read = |env, kind| -> Vec<(u64, Vec<u8>)> {
        store.records(env, kind).expect("records").into_iter().map(|(n, bytes)| (n.get(), bytes)).collect()
    };
    assert_eq!(read(&prod, RecordKind::Request), [(1, b"first".to_vec()), (2, b"second".to_vec())]);
    assert_eq!(read(&prod, RecordKind::Decision), [(1, b"decided".to_vec())]);
    assert_eq!(read(&dev, RecordKind::Request), [(1, b"dev's".to_vec())]);
    // Records are not environments, nor history.
    assert!(store.list().expect("list").is_empty());
    assert!(store.history(&prod).expect("history").is_empty());
}
