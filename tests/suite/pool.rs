//! A connection the database server dropped is never handed to a request:
//! the pool checks each PostgreSQL connection as it leaves the pool and
//! replaces one that is gone (after a server restart or a failover, say).

use crate::common;

use common::{Backend, TestApp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

both_backends!(reads_go_on_after_the_server_dropped_the_pooled_connections);

#[derive(QueryableByName)]
struct Terminated {
    #[diesel(sql_type = BigInt)]
    terminated: i64,
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Integer)]
    one: i32,
}

async fn reads_go_on_after_the_server_dropped_the_pooled_connections(app: TestApp) {
    // Fill the pool: several reads at once each hold a connection of their own.
    for read in reads_at_once(&app, 4).await {
        assert_eq!(read.expect("a read"), 1);
    }
    if app.backend == Backend::Postgres {
        let terminated = app
            .state
            .db
            .read(|conn| {
                Ok(diesel::sql_query(
                    "SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .get_result::<Terminated>(conn)?
                .terminated)
            })
            .await
            .expect("the server ends the other connections");
        assert!(terminated >= 1, "the pool held other connections: {terminated}");
        // Let the server close them.
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Again several at once, so that every pooled connection is handed out.
    for read in reads_at_once(&app, 8).await {
        assert_eq!(read.expect("every read finds a live connection"), 1);
    }
}

/// `n` reads of `SELECT 1` at once, each holding its connection for 50 ms.
async fn reads_at_once(app: &TestApp, n: usize) -> Vec<Result<i32, proposal_desk::error::AppError>> {
    let reads = (0..n).map(|_| {
        app.state.db.read(|conn| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(diesel::sql_query("SELECT 1 AS one").get_result::<One>(conn)?.one)
        })
    });
    futures_util::future::join_all(reads).await
}
