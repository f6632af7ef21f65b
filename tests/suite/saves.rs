//! Crash-safe saves: a process killed (SIGKILL) at random moments while it
//! saves, again and again, always leaves the file as the old version or the
//! new one, never a mix or nothing.
//!
//! The saving process is this test binary run again in a child mode. CI
//! kills it 40 times; `SYSTEMDECODER_KILLS=N` kills it N times.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use systemdecoder::scenario::write_atomic;
use systemdecoder::sim::dist::SimRng;

const CHILD: &str = "SYSTEMDECODER_SAVER";
const NAME: &str = "saves::a_save_killed_midway_leaves_the_old_file_or_the_new";

/// Two versions, large enough that a save takes a while.
fn version(which: u8) -> String {
    let line = format!("// version {which}: {}\n", "x".repeat(100));
    line.repeat(20_000)
}

#[test]
fn a_save_killed_midway_leaves_the_old_file_or_the_new() {
    if let Some(path) = std::env::var_os(CHILD) {
        // The child: save the two versions in turn until killed.
        let (a, b) = (version(1), version(2));
        loop {
            for v in [&a, &b] {
                write_atomic(Path::new(&path), v).expect("save");
            }
        }
    }
    let kills: u32 = std::env::var("SYSTEMDECODER_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let dir = std::env::temp_dir().join(format!("systemdecoder-saves-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("design.ron");
    let (a, b) = (version(1), version(2));
    write_atomic(&target, &a).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = SimRng::seeded(5);
    let mut seen = [0u32; 2];
    for i in 0..kills {
        let mut child = Command::new(&exe)
            .args([NAME, "--exact", "--test-threads=1"])
            .env(CHILD, &target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + rng.below(200) as u64));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = std::fs::read_to_string(&target).unwrap_or_else(|e| panic!("kill {i}: the file is gone: {e}"));
        match now {
            ref t if *t == a => seen[0] += 1,
            ref t if *t == b => seen[1] += 1,
            t => panic!("kill {i}: the file is neither version ({} bytes)", t.len()),
        }
    }
    let stray = std::fs::read_dir(&dir).unwrap().count() - 1;
    // The next save clears what killed saves left behind.
    write_atomic(&target, &b).unwrap();
    let left = std::fs::read_dir(&dir).unwrap().count() - 1;
    println!(
        "{kills} kills: old/new versions {seen:?}; {stray} temporary files left by killed saves, {left} after the next save"
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(seen[0] + seen[1] == kills);
    if cfg!(target_os = "linux") {
        assert_eq!(left, 0, "the next save removes the leftovers of killed ones");
    }
}
