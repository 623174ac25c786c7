//! A write is answered only once it is on disk: what a member was told was
//! saved survives a crash of the database server that follows.

use crate::common;

use common::{Backend, TestApp};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

both_backends!(a_write_is_on_disk_when_it_is_answered);

#[derive(QueryableByName)]
struct Lsn {
    #[diesel(sql_type = Text)]
    lsn: String,
}

#[derive(QueryableByName)]
struct Flushed {
    #[diesel(sql_type = Bool)]
    flushed: bool,
}

#[derive(QueryableByName)]
struct Synchronous {
    #[diesel(sql_type = Integer)]
    synchronous: i32,
}

async fn a_write_is_on_disk_when_it_is_answered(app: TestApp) {
    match app.backend {
        Backend::Postgres => {
            // Where the WAL stood after the write's own rows, before its commit record.
            let written = app
                .state
                .db
                .write(|conn| {
                    diesel::sql_query("CREATE TABLE durability_probe (x integer NOT NULL)").execute(conn)?;
                    diesel::sql_query("INSERT INTO durability_probe (x) VALUES (1)").execute(conn)?;
                    Ok(diesel::sql_query("SELECT pg_current_wal_insert_lsn()::text AS lsn")
                        .get_result::<Lsn>(conn)?
                        .lsn)
                })
                .await
                .expect("the write is answered");
            let flushed = app
                .state
                .db
                .read(move |conn| {
                    Ok(diesel::sql_query("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed")
                        .bind::<Text, _>(written)
                        .get_result::<Flushed>(conn)?
                        .flushed)
                })
                .await
                .expect("the server answers");
            assert!(flushed, "the write was answered before the server flushed its WAL past it");
        }
        Backend::Sqlite => {
            // In WAL mode, FULL makes every commit wait for the WAL's fsync; NORMAL would not.
            let synchronous = app
                .state
                .db
                .write(|conn| Ok(diesel::sql_query("PRAGMA synchronous").get_result::<Synchronous>(conn)?.synchronous))
                .await
                .expect("the write is answered");
            assert_eq!(synchronous, 2, "the writer's commits do not wait for the disk (synchronous = FULL is 2)");
        }
    }
}
