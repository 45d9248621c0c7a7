//! Real Qdrant processes started by `../shared/tools/qdrant-server`: kill
//! one with SIGKILL, and start it again as it was (same binary, arguments,
//! environment and folder, so the same storage and ports).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A node of `qdrant-server`: its folder holds `pid` and `log`.
pub struct Node {
    dir: PathBuf,
}

/// How a process was started, read from `/proc` before it is killed.
pub struct Launch {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: PathBuf,
}

impl Node {
    /// Node `index` of the servers under `QDRANT_SERVER_DIR`; fails when
    /// the variable is not set.
    pub fn from_env(index: usize) -> anyhow::Result<Node> {
        let root = std::env::var("QDRANT_SERVER_DIR").map_err(|_| {
            anyhow::anyhow!(
                "QDRANT_SERVER_DIR is not set: it names the folder of ../shared/tools/qdrant-server"
            )
        })?;
        let dir = Path::new(&root).join(format!("node-{index}"));
        anyhow::ensure!(dir.join("pid").exists(), "no pid file in {}", dir.display());
        Ok(Node { dir })
    }

    fn pid(&self) -> anyhow::Result<i32> {
        Ok(std::fs::read_to_string(self.dir.join("pid"))?.trim().parse()?)
    }

    /// Kills the node with SIGKILL and waits until it is gone; returns how
    /// to start it again.
    pub async fn kill(&self) -> anyhow::Result<Launch> {
        let pid = self.pid()?;
        let proc_dir = PathBuf::from(format!("/proc/{pid}"));
        let split = |bytes: Vec<u8>| -> Vec<String> {
            bytes
                .split(|b| *b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect()
        };
        let mut args = split(std::fs::read(proc_dir.join("cmdline"))?);
        anyhow::ensure!(!args.is_empty(), "process {pid} has no command line");
        let program = PathBuf::from(args.remove(0));
        let env = split(std::fs::read(proc_dir.join("environ"))?)
            .into_iter()
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        let cwd = std::fs::read_link(proc_dir.join("cwd"))?;
        // SAFETY: kill(2) with a pid read from the server's pid file.
        let rc = unsafe { libc::kill(pid, libc::SIGKILL) };
        anyhow::ensure!(rc == 0, "kill {pid}: {}", std::io::Error::last_os_error());
        let started = Instant::now();
        while proc_dir.exists() && !is_zombie(&proc_dir) {
            anyhow::ensure!(started.elapsed() < Duration::from_secs(10), "{pid} did not die");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(Launch {
            program,
            args,
            env,
            cwd,
        })
    }

    /// Starts the node again as it was, and records its new pid where
    /// `qdrant-server stop` looks for it.
    pub fn restart(&self, launch: &Launch) -> anyhow::Result<()> {
        use std::os::unix::process::CommandExt;
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.dir.join("log"))?;
        let child = std::process::Command::new(&launch.program)
            .args(&launch.args)
            .env_clear()
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&launch.cwd)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()?;
        std::fs::write(self.dir.join("pid"), format!("{}\n", child.id()))?;
        Ok(())
    }
}

fn is_zombie(proc_dir: &Path) -> bool {
    std::fs::read_to_string(proc_dir.join("stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| rest.starts_with('Z')))
        .unwrap_or(false)
}
