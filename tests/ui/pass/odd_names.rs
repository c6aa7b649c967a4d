//! Anything usable as a field name works as a relation name, and no name the derive makes
//! clashes with the user's: raw identifiers, names that differ only by underscores, names
//! of the derive's own helpers, a link model called like the relation's marker.
use eagerly::{Model, row};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(r#match = Game, fk = league_id), has_many(r#type = Kind, fk = league_id))]
#[model(has_many(games = Game, fk = league_id), has_many(_games = Game, fk = league_id))]
#[model(has_many(__ = Game, fk = league_id), has_many(bücher = Game, fk = league_id))]
#[model(has_many(model = Game, fk = league_id), has_many(league = Game, fk = league_id))]
#[model(has_many(self_ = Game, fk = league_id), has_many(games_loaded = Game, fk = league_id))]
pub struct League {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Game {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(r#in = League))]
    pub league_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Kind {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(r#struct = League))]
    pub league_id: i64,
}

// A link model named like the marker of `Author::books`, and models named like the
// helper traits the derive makes for `Author`, all named in `Author`'s attributes.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(many_to_many(books = Book, through = AuthorBooks))]
#[model(has_many(loaded = AuthorBooksLoaded), has_many(relation_of = RelationOfAuthor))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct AuthorBooks {
    #[model(primary_key, belongs_to(author = Author))]
    pub author_id: i64,
    #[model(primary_key, belongs_to(book = Book))]
    pub book_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct AuthorBooksLoaded {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct RelationOfAuthor {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
}

// Fields named like the model's functions called as methods, and a model whose name is
// a keyword.
#[allow(non_camel_case_types)]
#[derive(Model, Debug, Clone, PartialEq)]
pub struct r#struct {
    #[model(primary_key)]
    pub key: String,
    pub value: Option<String>,
    pub insert: i64,
    pub update: i64,
    pub delete: i64,
    pub r#type: bool,
}

type LeaguePage = row!(League { r#match, count(r#match), __, bücher });

fn main() -> eagerly::Result<()> {
    let conn = eagerly::rusqlite::Connection::open_in_memory()?;
    eagerly::create_tables(
        &conn,
        &[
            League::TABLE,
            Game::TABLE,
            Kind::TABLE,
            Author::TABLE,
            Book::TABLE,
            AuthorBooks::TABLE,
            AuthorBooksLoaded::TABLE,
            RelationOfAuthor::TABLE,
            r#struct::TABLE,
        ],
    )?;
    let league = NewLeague { name: "first".into() }.insert(&conn)?;
    Game::insert_all(&conn, (0..3).map(|_| NewGame { league_id: league.id }))?;
    NewKind { league_id: league.id }.insert(&conn)?;

    let leagues: Vec<LeaguePage> = League::query()
        .prefetch(League::r#match)
        .with_count(League::r#match)
        .prefetch(League::__)
        .prefetch(League::bücher)
        .all(&conn)?;
    assert_eq!(leagues[0].r#match().len(), 3);
    assert_eq!(leagues[0].match_count(), 3);
    assert_eq!(leagues[0].__().len(), 3);
    assert_eq!(leagues[0].bücher().len(), 3);
    let leagues = League::query()
        .prefetch(League::games)
        .prefetch(League::_games)
        .prefetch(League::model)
        .prefetch(League::league)
        .prefetch(League::self_)
        .prefetch(League::games_loaded)
        .prefetch(League::r#type)
        .all(&conn)?;
    let league_row = &leagues[0];
    let sizes = [
        league_row.games().len(),
        league_row._games().len(),
        league_row.model().len(),
        league_row.league().len(),
        league_row.self_().len(),
        league_row.games_loaded().len(),
        league_row.r#type().len(),
    ];
    assert_eq!(sizes, [3, 3, 3, 3, 3, 3, 1]);
    let games = Game::query().select_related(Game::r#in).all(&conn)?;
    assert_eq!(games[0].r#in().name, "first");
    let kinds = Kind::query().select_related(Kind::r#struct).all(&conn)?;
    assert_eq!(kinds[0].r#struct().id, league.id);
    // A raw name's slot shows without its `r#`.
    assert!(format!("{:?}", leagues[0]).contains(", type: ["), "{:?}", leagues[0]);

    let (ann, book) = (Author { id: 1 }.insert(&conn)?, Book { id: 2 }.insert(&conn)?);
    AuthorBooks { author_id: ann.id, book_id: book.id }.insert(&conn)?;
    RelationOfAuthor { id: 7, author_id: ann.id }.insert(&conn)?;
    let authors = Author::query()
        .prefetch(Author::books)
        .prefetch(Author::loaded)
        .prefetch(Author::relation_of)
        .all(&conn)?;
    assert_eq!(authors[0].books()[0].id, 2);
    assert!(authors[0].loaded().is_empty());
    assert_eq!(authors[0].relation_of()[0].id, 7);

    let row = r#struct {
        key: "k".into(),
        value: None,
        insert: 1,
        update: 2,
        delete: 3,
        r#type: true,
    };
    row.insert(&conn)?;
    let found = r#struct::query().filter(r#struct::key.eq("k") & r#struct::r#type.eq(true)).one(&conn)?;
    assert_eq!((found.insert, found.update, found.delete), (1, 2, 3));
    found.update(&conn)?;
    found.into_model().delete(&conn)?;
    assert_eq!(r#struct::TABLE.name, "struct");
    Ok(())
}
