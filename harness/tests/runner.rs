//! The runner on its own, with /bin/sh as the program: deadlines, steps, leftovers,
//! zombies, daemons holding the pipes, output floods. Each test also checks that
//! nothing of the case is alive afterwards.

use std::path::Path;
use std::time::{Duration, Instant};

use proclab_harness::case::{Case, Visibility};
use proclab_harness::run::{Observation, Runner, Status};

fn runner() -> Runner {
    Runner::new(env!("CARGO_BIN_EXE_proclab-grade").into())
}

fn case(toml_text: &str) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.toml");
    std::fs::write(&p, toml_text).unwrap();
    Case::load(&p, Visibility::Public).unwrap()
}

/// Runs `sh -c SCRIPT` under the case's settings (`args` in the text is replaced).
fn sh(script: &str, rest: &str) -> Observation {
    let text = format!("description = \"t\"\nargs = [\"-c\", {script:?}]\n{rest}\n");
    let obs = runner().run(Path::new("/bin/sh"), &case(&text));
    assert_nothing_left(&obs);
    obs
}

/// No process that the case started is still alive (they all carried the case's
/// init as an ancestor, and that init is gone).
fn assert_nothing_left(obs: &Observation) {
    assert!(obs.init_pid > 0);
    let init_alive = Path::new(&format!("/proc/{}", obs.init_pid)).exists();
    assert!(!init_alive, "the case's init is still there");
    if obs.main_pid > 0 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", obs.main_pid));
        // The pid may have been reused by now; it must at least not be our program.
        if let Ok(s) = stat {
            assert!(!s.contains("(sh)") || !s.contains(&format!(" {} ", obs.init_pid)));
        }
    }
    assert!(
        !Path::new(&obs.scratch).exists(),
        "scratch directory left behind"
    );
}

#[test]
fn exit_code_and_output() {
    let obs = sh("echo out; echo err >&2; exit 3", "");
    assert_eq!(obs.status, Some(Status::Exited(3)));
    assert_eq!(obs.stdout, b"out\n");
    assert_eq!(obs.stderr, b"err\n");
    assert!(obs.leftovers.is_empty());
}

#[test]
fn killed_by_a_signal() {
    let obs = sh("kill -SEGV $$", "");
    assert!(
        matches!(obs.status, Some(Status::Signaled { signal: 11, .. })),
        "{:?}",
        obs.status
    );
}

#[test]
fn deadline_stops_a_hang_promptly() {
    let t = Instant::now();
    let obs = sh("sleep 30", "deadline_ms = 300");
    assert!(obs.timed_out);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn a_daemon_holding_stdout_does_not_hang_the_grader() {
    // The grandchild leaves the session and keeps stdout open for 30 s.
    let t = Instant::now();
    let obs = sh("setsid sleep 30 & echo started", "deadline_ms = 5000");
    assert!(!obs.timed_out, "the program itself exited at once");
    assert_eq!(obs.status, Some(Status::Exited(0)));
    assert_eq!(obs.leftovers.len(), 1, "{:?}", obs.leftovers);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
}

#[test]
fn a_child_never_waited_for_is_reported() {
    // The shell forks a child and at once becomes cat, which never waits for the
    // child it inherited; nothing runs in between that could reap it. Zombie or
    // still exiting, the child is left over when cat ends.
    let obs = sh("exit 0 & exec cat < /dev/null", "");
    assert_eq!(obs.status, Some(Status::Exited(0)));
    assert_eq!(obs.leftovers.len(), 1, "{:?}", obs.leftovers);
}

#[test]
fn a_zombie_handed_over_at_exit_is_not_reaped_before_the_survey() {
    // Often the child has already exited when cat ends: the init is handed a zombie
    // during cat's exit and must count it, not reap it as someone else's orphan.
    // (This raced before the init checked PF_EXITING.)
    for _ in 0..30 {
        let obs = sh("exit 0 & exec cat < /dev/null", "");
        assert_eq!(obs.leftovers.len(), 1, "{:?}", obs.leftovers);
    }
}

#[test]
fn steps_wait_signal_write_and_observe() {
    let script = r#"
        trap 'echo got-usr1' USR1
        sleep 30 & s=$!
        echo ready child=$s
        read line
        echo "read $line"
        kill $s; wait $s
        echo bye"#;
    let steps = r#"
[[step]]
wait_for = '^ready'
[[step]]
observe = "descendants"
[[step]]
write = "hello\n"
[[step]]
wait_for = '^read'
"#;
    let obs = sh(script, steps);
    assert_eq!(obs.status, Some(Status::Exited(0)), "{obs:?}");
    assert_eq!(obs.observed, vec!["descendants=1".to_string()]);
    let out = String::from_utf8_lossy(&obs.stdout);
    assert!(
        out.contains("read hello\n") && out.ends_with("bye\n"),
        "{out}"
    );
}

#[test]
fn signal_to_a_printed_pid() {
    let script = r#"sleep 30 & echo child=$!; wait $!; echo status=$?"#;
    let steps = "[[step]]\nsignal = \"KILL\"\nto = 'child=(\\d+)'\n";
    // The signal step needs the pid printed first.
    let steps = format!("[[step]]\nwait_for = '^child='\n{steps}");
    let obs = sh(script, &steps);
    assert!(String::from_utf8_lossy(&obs.stdout).contains("status=137"));
}

#[test]
fn waiting_for_a_line_that_never_comes() {
    let obs = sh("echo nope", "[[step]]\nwait_for = '^ready'\n");
    let e = obs.step_error.expect("a step error");
    assert!(e.contains("ended first"), "{e}");
}

#[test]
fn output_flood_is_capped() {
    let obs = sh("yes flood", "deadline_ms = 5000");
    assert!(obs.output_limit);
    assert!(obs.stdout.len() <= proclab_harness::run::OUTPUT_CAP);
}

#[test]
fn files_are_read_from_the_scratch_directory() {
    let obs = sh(
        "printf 'a\\nb' > out.txt; pwd",
        "files = [\"out.txt\", \"none.txt\"]",
    );
    assert_eq!(obs.files["out.txt"].as_deref(), Some(&b"a\nb"[..]));
    assert_eq!(obs.files["none.txt"], None);
    assert_eq!(String::from_utf8_lossy(&obs.stdout).trim(), obs.scratch);
}

#[test]
fn setup_files_are_there_before_the_program_starts() {
    let obs = sh(
        "cat given.txt sub/more.txt",
        "[setup]\n\"given.txt\" = \"one\\n\"\n\"sub/more.txt\" = \"two\\n\"",
    );
    assert_eq!(obs.stdout, b"one\ntwo\n");
}

#[test]
fn a_setup_path_that_leaves_the_scratch_directory_is_refused() {
    let text =
        "description = \"t\"\nargs = [\"-c\", \"true\"]\n[setup]\n\"../escape.txt\" = \"x\"\n";
    let obs = runner().run(Path::new("/bin/sh"), &case(text));
    assert_eq!(obs.init_pid, 0, "nothing was started");
    let e = obs.spawn_error.expect("refused");
    assert!(e.contains("escape.txt"), "{e}");
}

#[test]
fn a_terminal_case_types_at_the_terminal_and_reads_the_screen() {
    // The program is the session leader with the terminal as its controlling
    // terminal; Ctrl-C typed there kills the foreground group. (The shell waits in
    // its `read` builtin: a Ctrl-C that caught it forking would reach the child
    // before its exec, still with the shell's handler, and be lost.)
    let script = r#"
        test -t 0 && echo tty=yes
        echo "pgid=$(ps -o pgid= $$ | tr -d ' ') sid=$(ps -o sid= $$ | tr -d ' ') tpgid=$(ps -o tpgid= $$ | tr -d ' ') me=$$"
        read line; echo "got $line"
        echo ready; read again; echo not-reached"#;
    let steps = r#"
terminal = true
[[step]]
wait_for = '^got'
[[step]]
wait_for = '^ready'
[[step]]
write = "\u0003"
"#;
    let text =
        format!("description = \"t\"\nargs = [\"-c\", {script:?}]\nstdin = \"hello\\n\"\n{steps}");
    let obs = runner().run(Path::new("/bin/sh"), &case(&text));
    assert_nothing_left(&obs);
    assert!(obs.terminal);
    assert_eq!(
        obs.status,
        Some(Status::Signaled {
            signal: 2,
            core: false
        }),
        "{obs:?}"
    );
    let screen = String::from_utf8_lossy(&obs.stdout);
    assert!(screen.contains("tty=yes\r\n"), "{screen}");
    // The line typed at the start is echoed by the terminal at once, and read by the
    // shell when it gets there.
    assert!(screen.contains("hello\r\n"), "{screen}");
    assert!(screen.contains("got hello\r\n"), "{screen}");
    assert!(screen.contains("^C"), "{screen:?}");
    let me = obs.main_pid;
    assert!(
        screen.contains(&format!("pgid={me} sid={me} tpgid={me} me={me}")),
        "{screen:?}"
    );
}

#[test]
fn the_program_is_pid_2_below_an_init_that_is_pid_1_where_namespaces_work() {
    let r = runner();
    if r.contain.tier != proclab_harness::contain::Tier::Namespaces {
        eprintln!("skipped: containment here is {}", r.contain.summary());
        return;
    }
    // First, harmlessly: is the program really PID 2 of a namespace of its own?
    // Only then may it try kill -9 -1, which outside would reach every process.
    let probe = sh("echo $$", "");
    assert_eq!(probe.stdout, b"2\n", "not in a PID namespace: {probe:?}");
    // kill -9 -1 from inside reaches only the case; the grader (this test) lives on.
    let obs = sh(
        "echo pid=$$ ppid=$PPID; sleep 30 & kill -9 -1; ls /dev/shm | wc -l",
        "",
    );
    assert_eq!(obs.main_pid, 2);
    assert_eq!(obs.parent_pid, 1);
    assert_eq!(String::from_utf8_lossy(&obs.stdout), "pid=2 ppid=1\n0\n");
}

#[test]
fn steps_write_and_remove_files_while_the_program_runs() {
    let script = r#"
        echo ready; read x; cat note.txt; read x
        test -e note.txt && echo still-there || echo gone"#;
    let steps = r#"
[[step]]
wait_for = '^ready'
[[step]]
write_file = "note.txt"
content = "written by the case\n"
[[step]]
write = "go\n"
[[step]]
wait_for = '^written'
[[step]]
remove = "note.txt"
[[step]]
write = "go\n"
"#;
    let obs = sh(script, steps);
    assert_eq!(
        String::from_utf8_lossy(&obs.stdout),
        "ready\nwritten by the case\ngone\n"
    );
}
