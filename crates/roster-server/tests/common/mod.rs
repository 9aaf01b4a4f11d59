//! The test server: `roster_server` on a loopback port in a thread of its own, stopped on drop.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub tokens: HashMap<String, String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a server with `users` generated users per profile, on `db` (default a fresh
/// SQLite file), allowing `per_minute` requests per workspace.
pub fn start(db: Option<String>, users: u64, per_minute: u32) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let opts = roster_server::ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        db,
        users,
        seed: 1,
        data_dir: dir.path().to_path_buf(),
        access: None,
        per_minute,
    };
    let state = roster_server::prepare(&opts).unwrap();
    let tokens = state.access.principals.iter().map(|p| (p.name.clone(), p.token.clone())).collect();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(opts.addr).await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            roster_server::serve_until(state, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    Server { addr, tokens, stop: Some(stop), thread: Some(thread), _dir: dir }
}

/// A client that returns error statuses as responses.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).allow_non_standard_methods(true).build().into()
}
