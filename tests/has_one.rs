//! `has_one`: the reverse side of a unique foreign key (Django's reverse one-to-one), read
//! as `Option<&Row>`, loaded by a JOIN in the query's own statement or by one batched
//! statement, on every backend. Its compile-time rule (the foreign key must be unique) is
//! `ui/model/has_one_not_unique`.

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::Backend;
use eagerly::{Executor, Model};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(users = User), has_one(captain = User, fk = captain_of))]
pub struct Team {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_one(profile = Profile), has_one(account = Account, fk = owner_id))]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[model(belongs_to(team = Team))]
    pub team_id: i64,
    #[model(unique)]
    pub captain_of: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, belongs_to(user = User))]
    pub user_id: i64,
    pub bio: String,
}

/// A one-to-one that shares its key: the account's primary key is its owner's.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Account {
    #[model(primary_key, belongs_to(owner = User))]
    pub owner_id: i64,
    pub balance: i64,
}

on_every_backend!(
    setup = crate::users;
    a_has_one_joins_in_the_same_statement,
    a_has_one_prefetches_in_one_more_statement,
    a_has_one_nests_both_ways_and_below_a_prefetch,
    a_has_one_through_a_shared_key_and_a_nullable_one,
);

/// Two teams, three users (Bo without a profile, Cy without an account), two profiles.
fn users<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    eagerly::create_tables(&mut *db, &[Team::TABLE, User::TABLE, Profile::TABLE, Account::TABLE])
        .unwrap();
    Team::insert_all(
        &mut *db,
        [Team { id: 1, name: "red".into() }, Team { id: 2, name: "blue".into() }],
    )
    .unwrap();
    User::insert_all(
        &mut *db,
        [
            User { id: 1, name: "Ann".into(), team_id: 1, captain_of: Some(1) },
            User { id: 2, name: "Bo".into(), team_id: 1, captain_of: None },
            User { id: 3, name: "Cy".into(), team_id: 2, captain_of: None },
        ],
    )
    .unwrap();
    Profile::insert_all(
        &mut *db,
        [
            Profile { id: 10, user_id: 3, bio: "climber".into() },
            Profile { id: 11, user_id: 1, bio: "pilot".into() },
        ],
    )
    .unwrap();
    Account::insert_all(
        &mut *db,
        [Account { owner_id: 1, balance: 5 }, Account { owner_id: 2, balance: 0 }],
    )
    .unwrap();
}

type WithProfile = eagerly::row!(User { profile });
type WithProfileAndAccount = eagerly::row!(User { profile, account });

fn bios(users: &[WithProfile]) -> Vec<(&str, Option<&str>)> {
    users.iter().map(|u| (u.name.as_str(), u.profile().map(|p| p.bio.as_str()))).collect()
}

/// Django's `User.objects.select_related("profile")`: one statement, a LEFT JOIN on the
/// profile's foreign key; a user without a profile is kept, with `None`.
fn a_has_one_joins_in_the_same_statement<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (users, log) = eagerly::capture(|| {
        User::query().select_related(User::profile).order_by(User::id.asc()).all(&mut *db).unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            r#"SELECT t0."id", t0."name", t0."team_id", t0."captain_of", j1."id", j1."user_id", j1."bio" FROM "user" t0 LEFT JOIN "profile" j1 ON j1."user_id" = t0."id" ORDER BY t0."id" ASC"#
        ]
    );
    assert_eq!(bios(&users), [("Ann", Some("pilot")), ("Bo", None), ("Cy", Some("climber"))]);
    assert_eq!(users[0].profile().unwrap().user_id, 1);
    // The JOIN never drops or repeats a user.
    let (count, log) =
        eagerly::capture(|| User::query().select_related(User::profile).count(&mut *db).unwrap());
    assert_eq!((count, log.len()), (3, 1));
}

/// Django's `prefetch_related("profile")`: two statements, the second batched on the
/// profiles' foreign key, and not ordered (one row per user at most).
fn a_has_one_prefetches_in_one_more_statement<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (users, log) = eagerly::capture(|| {
        User::query().prefetch(User::profile).order_by(User::id.asc()).all(&mut *db).unwrap()
    });
    assert_eq!(
        log.sql()[1],
        backend.sql(&format!(
            r#"SELECT t0."id", t0."user_id", t0."bio" FROM "profile" t0 WHERE t0."user_id" {}"#,
            backend.in_list(3)
        ))
    );
    assert_eq!(log.len(), 2, "{log}");
    assert_eq!(bios(&users), [("Ann", Some("pilot")), ("Bo", None), ("Cy", Some("climber"))]);
    // A filter on the related rows leaves `None` where it leaves the row out.
    let (users, log) = eagerly::capture(|| {
        User::query()
            .prefetch_with(User::profile, |p| p.filter(Profile::bio.ne("pilot")))
            .order_by(User::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2, "{log}");
    assert_eq!(bios(&users), [("Ann", None), ("Bo", None), ("Cy", Some("climber"))]);
}

/// Both sides of the one-to-one in one statement, and a `has_one` joined below a prefetch
/// and below a JOIN, typed as `row!` names them.
fn a_has_one_nests_both_ways_and_below_a_prefetch<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (profiles, log) = eagerly::capture(|| {
        Profile::query()
            .select_related_with(Profile::user, |user| user.select_related(User::profile))
            .order_by(Profile::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 1, "{log}");
    let back: Vec<(i64, i64)> =
        profiles.iter().map(|p| (p.id, p.user().profile().unwrap().id)).collect();
    assert_eq!(back, [(10, 10), (11, 11)]);

    type Roster = eagerly::row!(Team { users { profile }, captain });
    let (teams, log) = eagerly::capture(|| -> Vec<Roster> {
        Team::query()
            .prefetch_with(Team::users, |users| {
                users.select_related(User::profile).order_by(User::id.asc())
            })
            .select_related(Team::captain)
            .order_by(Team::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2, "{log}");
    let captains: Vec<Option<&str>> =
        teams.iter().map(|t| t.captain().map(|c| c.name.as_str())).collect();
    assert_eq!(captains, [Some("Ann"), None]);
    let members: Vec<Vec<(&str, Option<&str>)>> = teams
        .iter()
        .map(|t| t.users().iter().map(|u| (u.name.as_str(), u.profile().map(|p| p.bio.as_str()))))
        .map(Iterator::collect)
        .collect();
    assert_eq!(
        members,
        [vec![("Ann", Some("pilot")), ("Bo", None)], vec![("Cy", Some("climber"))]]
    );
}

/// A `has_one` whose foreign key is the related table's primary key, and one through a
/// nullable unique column (`captain_of`), by JOIN and by batch alike.
fn a_has_one_through_a_shared_key_and_a_nullable_one<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let balances = |users: &[WithProfileAndAccount]| {
        users.iter().map(|u| u.account().map(|a| a.balance)).collect::<Vec<_>>()
    };
    let joined = User::query()
        .select_related(User::profile)
        .select_related(User::account)
        .order_by(User::id.asc())
        .all(&mut *db)
        .unwrap();
    let batched = User::query()
        .prefetch(User::profile)
        .prefetch(User::account)
        .order_by(User::id.asc())
        .all(&mut *db)
        .unwrap();
    assert_eq!(balances(&joined), [Some(5), Some(0), None]);
    assert_eq!(joined, batched);

    let (teams, log) = eagerly::capture(|| {
        Team::query().prefetch(Team::captain).order_by(Team::id.asc()).all(&mut *db).unwrap()
    });
    assert_eq!(log.len(), 2, "{log}");
    let captains: Vec<Option<&str>> =
        teams.iter().map(|t| t.captain().map(|c| c.name.as_str())).collect();
    assert_eq!(captains, [Some("Ann"), None]);
}
