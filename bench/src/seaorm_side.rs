//! SeaORM 2.0, as its documentation writes each load: `load_many` for children,
//! `find_also_related` then `load_one` for parents, a joined `COUNT` with `GROUP BY`.

use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, FromQueryResult, JoinType, LoaderTrait, QuerySelect};

use crate::Workload;
use crate::measure::{author_count, book_author_publisher, keyed, total, with_children};

pub mod publisher {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "publisher")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::author::Entity")]
        Author,
    }

    impl Related<super::author::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Author.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod author {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "author")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub publisher_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::book::Entity")]
        Book,
        #[sea_orm(
            belongs_to = "super::publisher::Entity",
            from = "Column::PublisherId",
            to = "super::publisher::Column::Id"
        )]
        Publisher,
    }

    impl Related<super::book::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Book.def()
        }
    }

    impl Related<super::publisher::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Publisher.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod book {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "book")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub author_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::author::Entity",
            from = "Column::AuthorId",
            to = "super::author::Column::Id"
        )]
        Author,
    }

    impl Related<super::author::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Author.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod artist {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Artist")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "ArtistId")]
        pub artist_id: i64,
        #[sea_orm(column_name = "Name")]
        pub name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::album::Entity")]
        Album,
    }

    impl Related<super::album::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Album.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod album {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Album")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "AlbumId")]
        pub album_id: i64,
        #[sea_orm(column_name = "Title")]
        pub title: String,
        #[sea_orm(column_name = "ArtistId")]
        pub artist_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::artist::Entity",
            from = "Column::ArtistId",
            to = "super::artist::Column::ArtistId"
        )]
        Artist,
        #[sea_orm(has_many = "super::track::Entity")]
        Track,
    }

    impl Related<super::artist::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Artist.def()
        }
    }

    impl Related<super::track::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Track.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod track {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Track")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "TrackId")]
        pub track_id: i64,
        #[sea_orm(column_name = "Name")]
        pub name: String,
        #[sea_orm(column_name = "AlbumId")]
        pub album_id: Option<i64>,
        #[sea_orm(column_name = "MediaTypeId")]
        pub media_type_id: i64,
        #[sea_orm(column_name = "GenreId")]
        pub genre_id: Option<i64>,
        #[sea_orm(column_name = "Composer")]
        pub composer: Option<String>,
        #[sea_orm(column_name = "Milliseconds")]
        pub milliseconds: i64,
        #[sea_orm(column_name = "Bytes")]
        pub bytes: Option<i64>,
        #[sea_orm(column_name = "UnitPrice", column_type = "Double")]
        pub unit_price: f64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::album::Entity",
            from = "Column::AlbumId",
            to = "super::album::Column::AlbumId"
        )]
        Album,
    }

    impl Related<super::album::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Album.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, FromQueryResult)]
struct AuthorWithCount {
    id: i64,
    name: String,
    book_count: i64,
}

fn err(e: DbErr) -> String {
    e.to_string()
}

pub async fn run(db: &DatabaseConnection, workload: Workload) -> Result<u64, String> {
    Ok(match workload {
        Workload::Prefetch => {
            let authors = author::Entity::find().all(db).await.map_err(err)?;
            let books = authors.load_many(book::Entity, db).await.map_err(err)?;
            total(authors.iter().zip(books).map(|(a, bs)| {
                with_children(keyed(a.id, &a.name), bs.iter().map(|b| keyed(b.id, &b.title)))
            }))
        }
        Workload::Join => {
            let rows = book::Entity::find()
                .find_also_related(author::Entity)
                .all(db)
                .await
                .map_err(err)?;
            let authors: Vec<author::Model> = rows.iter().filter_map(|(_, a)| a.clone()).collect();
            let publishers = authors.load_one(publisher::Entity, db).await.map_err(err)?;
            let mut publishers = publishers.into_iter();
            total(rows.iter().map(|(b, a)| {
                let (author, p) = match a {
                    Some(a) => ((a.id, a.name.as_str()), publishers.next().flatten()),
                    None => ((0, ""), None),
                };
                book_author_publisher(
                    (b.id, &b.title),
                    author,
                    p.as_ref().map(|p| (p.id, p.name.as_str())),
                )
            }))
        }
        Workload::Count => {
            let rows = author::Entity::find()
                .select_only()
                .column(author::Column::Id)
                .column(author::Column::Name)
                .column_as(book::Column::Id.count(), "book_count")
                .join(JoinType::LeftJoin, author::Relation::Book.def())
                .group_by(author::Column::Id)
                .into_model::<AuthorWithCount>()
                .all(db)
                .await
                .map_err(err)?;
            total(rows.iter().map(|a| author_count(a.id, &a.name, a.book_count as u64)))
        }
        Workload::Chinook => {
            let artists = artist::Entity::find().all(db).await.map_err(err)?;
            let albums = artists.load_many(album::Entity, db).await.map_err(err)?;
            // One more batched load for all the albums' tracks: flatten, load, walk back.
            let flat: Vec<album::Model> = albums.iter().flatten().cloned().collect();
            let mut tracks = flat.load_many(track::Entity, db).await.map_err(err)?.into_iter();
            total(artists.iter().zip(&albums).map(|(ar, albums)| {
                with_children(
                    keyed(ar.artist_id, ar.name.as_deref().unwrap_or_default()),
                    albums.iter().map(|al| {
                        let ts = tracks.next().unwrap_or_default();
                        with_children(
                            keyed(al.album_id, &al.title),
                            ts.iter().map(|t| crate::measure::track_hash!(t, track_id)),
                        )
                    }),
                )
            }))
        }
    })
}
