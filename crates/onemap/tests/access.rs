//! Users, sessions, API keys and the audit log on a real store. Each scenario runs on SQLite
//! and on PostgreSQL.

mod common;

use common::{Engine, World};
use onemap::access::{NewUser, Role, SESSION_LIFETIME};
use onemap::audit::{Entry, Outcome, Query};
use onemap::model::Channel;
use onemap::{Error, ErrorCode};

fn user(name: &str, role: Role, street: Option<&str>) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: String::new(),
        role,
        street_code: street.map(str::to_string),
        password: "correct horse battery".into(),
    }
}

async fn a_user_logs_in_with_the_right_password_only(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let u = w
        .store
        .create_user(user("ops.gm", Role::StreetOperator, Some("440311001")))
        .await
        .expect("create");
    assert_eq!(u.display_name, "ops.gm");
    let s = w
        .store
        .login("ops.gm", "correct horse battery")
        .await
        .expect("login");
    assert!(s.token.starts_with("oms_") && s.token.len() > 60);
    let (p, exp) = w.store.session_principal(&s.token).await.expect("session");
    assert_eq!(p.role, Role::StreetOperator);
    assert_eq!(p.street.as_deref(), Some("440311001"));
    assert_eq!(exp, s.expires_at);
    for (name, pw) in [
        ("ops.gm", "correct horse batterY"),
        ("nobody", "correct horse battery"),
    ] {
        let e = w.store.login(name, pw).await.expect_err("refused");
        assert_eq!(e.code(), ErrorCode::Unauthorized, "{e}");
    }
    w.finish().await;
}
on_both_engines!(a_user_logs_in_with_the_right_password_only);

async fn sessions_end_on_expiry_logout_disable_and_password_change(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    w.store
        .create_user(user("lead", Role::Leader, None))
        .await
        .expect("create");
    let login = || w.store.login("lead", "correct horse battery");
    let expiring = login().await.expect("login");
    w.clock.advance(SESSION_LIFETIME + 1);
    assert!(w.store.session_principal(&expiring.token).await.is_err());

    let s = login().await.expect("login");
    w.store.logout(&s.token).await.expect("logout");
    assert!(w.store.session_principal(&s.token).await.is_err());

    let s = login().await.expect("login");
    w.store.set_disabled("lead", true).await.expect("disable");
    assert!(w.store.session_principal(&s.token).await.is_err());
    assert_eq!(
        login().await.expect_err("disabled").code(),
        ErrorCode::Unauthorized
    );
    w.store.set_disabled("lead", false).await.expect("enable");

    let s = login().await.expect("login");
    w.store
        .set_password("lead", "another long secret")
        .await
        .expect("passwd");
    assert!(w.store.session_principal(&s.token).await.is_err());
    assert!(w.store.login("lead", "another long secret").await.is_ok());
    w.finish().await;
}
on_both_engines!(sessions_end_on_expiry_logout_disable_and_password_change);

async fn bad_accounts_are_refused_with_a_reason(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let cases = [
        user("Admin", Role::Admin, None),
        NewUser {
            password: "short".into(),
            ..user("a", Role::Admin, None)
        },
        user("st", Role::StreetOperator, None),
        user("st", Role::StreetOperator, Some("44031100")),
        user("lead", Role::Leader, Some("440311001")),
        user("key", Role::Intake, None),
    ];
    for c in cases {
        let e = w.store.create_user(c.clone()).await.expect_err("refused");
        assert_eq!(e.code(), ErrorCode::Invalid, "{c:?}: {e}");
    }
    w.store
        .create_user(user("dup", Role::Planner, None))
        .await
        .expect("first");
    let e = w
        .store
        .create_user(user("dup", Role::Planner, None))
        .await
        .expect_err("taken");
    assert!(e.to_string().contains("already"), "{e}");
    w.finish().await;
}
on_both_engines!(bad_accounts_are_refused_with_a_reason);

async fn the_first_administrator_can_be_made_once_and_only_on_an_empty_store(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let (a, b) = tokio::join!(
        w.store
            .create_first_admin("root", "", "correct horse battery"),
        w.store
            .create_first_admin("root2", "", "correct horse battery"),
    );
    assert!(a.is_ok() ^ b.is_ok(), "exactly one wins: {a:?} {b:?}");
    let e = w
        .store
        .create_first_admin("root3", "", "correct horse battery")
        .await
        .expect_err("closed");
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert_eq!(w.store.user_count().await.expect("count"), 1);
    w.finish().await;
}
on_both_engines!(the_first_administrator_can_be_made_once_and_only_on_an_empty_store);

async fn api_keys_work_until_revoked_and_never_store_the_secret(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let (key, secret) = w
        .store
        .create_key("12345热线", Channel::Hotline, 1200)
        .await
        .expect("key");
    assert!(secret.starts_with("omk_"));
    let found = w.store.key_by_secret(&secret).await.expect("found");
    assert_eq!(found.id, key.id);
    let p = found.principal();
    assert_eq!(p.role, Role::Intake);
    assert_eq!(p.channel, Some(Channel::Hotline));
    assert!(!p.sees_street(Some("440311001")), "a key sees no cases");
    let listed = w.store.keys().await.expect("keys");
    assert_eq!(listed.len(), 1);
    let dump = format!("{listed:?}");
    assert!(!dump.contains(&secret[4..]), "the secret is not stored");
    w.store.revoke_key(&key.id).await.expect("revoke");
    assert!(matches!(
        w.store.key_by_secret(&secret).await,
        Err(Error::Unauthorized(_))
    ));
    assert!(w.store.create_key("x", Channel::App, 0).await.is_err());
    w.finish().await;
}
on_both_engines!(api_keys_work_until_revoked_and_never_store_the_secret);

async fn the_audit_log_reads_back_by_actor_target_and_outcome(engine: Engine) {
    let Some(w) = World::new(engine).await else {
        return;
    };
    let entry = |actor: &str, action: &str, target: &str, outcome| Entry {
        actor: actor.into(),
        role: "district_operator".into(),
        action: action.into(),
        target: target.into(),
        outcome,
        detail: "d".into(),
    };
    for e in [
        entry("a", "case.view", "case:GM-2026-000001", Outcome::Ok),
        entry("b", "case.view", "case:GM-2026-000002", Outcome::Denied),
        entry("a", "case.dispatch", "case:GM-2026-000001", Outcome::Ok),
        entry("a", "login", "user:a", Outcome::Ok),
        entry("c", "case.view", "case:GM_2026%", Outcome::Ok),
    ] {
        w.store.audit(e).await.expect("audit");
    }
    let all = w.store.audit_log(&Query::default()).await.expect("read");
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|p| p[0].seq > p[1].seq), "newest first");
    let q = |q: Query| {
        let store = w.store.clone();
        async move { store.audit_log(&q).await.expect("read") }
    };
    assert_eq!(
        q(Query {
            actor: Some("a".into()),
            ..Query::default()
        })
        .await
        .len(),
        3
    );
    let one = q(Query {
        target: Some("case:GM-2026-000001".into()),
        ..Query::default()
    })
    .await;
    assert_eq!(one.len(), 2);
    let denied = q(Query {
        outcome: Some("denied".into()),
        ..Query::default()
    })
    .await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].actor, "b");
    // LIKE's wildcards in a prefix are taken literally.
    let literal = q(Query {
        target: Some("case:GM_".into()),
        ..Query::default()
    })
    .await;
    assert_eq!(literal.len(), 1);
    let views = q(Query {
        action: Some("case.".into()),
        limit: Some(2),
        ..Query::default()
    })
    .await;
    assert_eq!(views.len(), 2);
    w.finish().await;
}
on_both_engines!(the_audit_log_reads_back_by_actor_target_and_outcome);
