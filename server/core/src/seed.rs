//! Demo data and provisioning: the demo organization the run command prints, plus the
//! helpers tests and benchmarks use to create organizations and (many) users quickly.

use chrono::{DateTime, Duration, Utc};
use orgdesk_types::{ActivityKind, OrgId, Role, UserId, UserStatus};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::activity::{self, NewActivity};
use crate::db::{self, rows_per_insert};
use crate::entities::{asset, organization, user};
use crate::people::normalize_email;
use crate::{Core, CoreError, CoreResult, DemoOrg};

pub const DEMO_ORG_NAME: &str = "Acme Corp";
/// A second, small demo organization: tenants are isolated, and this one shows it (an admin
/// of Globex sees and touches nothing of Acme's).
pub const DEMO_NEIGHBOUR_ORG_NAME: &str = "Globex Inc";
pub const DEMO_NEIGHBOUR_ADMIN_EMAIL: &str = "admin@globex.test";
pub const DEMO_ADMIN_EMAIL: &str = "admin@acme.test";
pub const DEMO_ADMIN_PASSWORD: &str = "orgdesk-admin";
pub const DEMO_OWNER_EMAIL: &str = "owner@acme.test";
/// Everyone but the admin (the owner included).
pub const DEMO_MEMBER_PASSWORD: &str = "orgdesk-member";

/// A user to create. `Debug` leaves the password out.
#[derive(Clone)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    pub password: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("status", &self.status)
            .field("password", &self.password.as_ref().map(|_| crate::Redacted))
            .field("title", &self.title)
            .field("department", &self.department)
            .finish()
    }
}

impl NewUser {
    /// An active member with `password`.
    pub fn member(name: &str, email: &str, password: &str) -> NewUser {
        NewUser {
            name: name.into(),
            email: email.into(),
            role: Role::Member,
            status: UserStatus::Active,
            password: Some(password.into()),
            title: None,
            department: None,
        }
    }
    pub fn with_role(mut self, role: Role) -> NewUser {
        self.role = role;
        self
    }
    pub fn with_status(mut self, status: UserStatus) -> NewUser {
        self.status = status;
        self
    }
}

const MEMBERS: [(&str, &str, &str, &str); 40] = [
    ("Liam", "Carter", "Software Engineer", "Engineering"),
    ("Emma", "Nguyen", "Product Designer", "Design"),
    ("Noah", "Patel", "Senior Software Engineer", "Engineering"),
    ("Ava", "Kowalski", "Account Executive", "Sales"),
    ("Lucas", "Fernandes", "Data Analyst", "Finance"),
    ("Mia", "Schneider", "HR Business Partner", "People"),
    (
        "Ethan",
        "Okafor",
        "Site Reliability Engineer",
        "Engineering",
    ),
    ("Sofia", "Rossi", "Marketing Manager", "Marketing"),
    (
        "Mason",
        "Lindqvist",
        "Support Specialist",
        "Customer Success",
    ),
    ("Isabella", "Haddad", "Financial Controller", "Finance"),
    ("James", "O'Brien", "Engineering Manager", "Engineering"),
    ("Amelia", "Tanaka", "UX Researcher", "Design"),
    ("Benjamin", "Dubois", "Sales Development Rep", "Sales"),
    ("Harper", "Johansson", "Content Strategist", "Marketing"),
    ("Elijah", "Mensah", "Security Engineer", "Engineering"),
    ("Charlotte", "Novak", "Recruiter", "People"),
    (
        "Henry",
        "Alvarez",
        "Customer Success Manager",
        "Customer Success",
    ),
    ("Evelyn", "Kim", "Frontend Engineer", "Engineering"),
    ("Alexander", "Moreau", "Solutions Architect", "Sales"),
    ("Abigail", "Walsh", "Office Manager", "Operations"),
    ("Daniel", "Becker", "Backend Engineer", "Engineering"),
    ("Emily", "Santos", "Payroll Specialist", "Finance"),
    ("Matthew", "Ivanov", "QA Engineer", "Engineering"),
    ("Elizabeth", "Murphy", "Legal Counsel", "Legal"),
    ("Samuel", "Adeyemi", "IT Administrator", "Operations"),
    ("Sofia", "Bianchi", "Brand Designer", "Design"),
    ("David", "Hoffmann", "Data Engineer", "Engineering"),
    ("Grace", "Chen", "Product Manager", "Product"),
    ("Joseph", "Larsen", "Account Manager", "Sales"),
    ("Chloe", "Dupont", "Support Team Lead", "Customer Success"),
    ("Sebastian", "Wójcik", "Mobile Engineer", "Engineering"),
    ("Zoe", "Papadopoulos", "Growth Marketer", "Marketing"),
    ("Jack", "Sullivan", "Procurement Lead", "Operations"),
    ("Lily", "Yamamoto", "Technical Writer", "Product"),
    ("Owen", "García", "DevOps Engineer", "Engineering"),
    ("Hannah", "Kaur", "People Operations Lead", "People"),
    ("Leo", "Virtanen", "Sales Engineer", "Sales"),
    ("Nora", "Fischer", "Compliance Analyst", "Legal"),
    ("Gabriel", "Costa", "Staff Engineer", "Engineering"),
    ("Ruby", "Andersen", "Executive Assistant", "Operations"),
];

/// Members left suspended in the demo (by index into `MEMBERS`).
const SUSPENDED: [usize; 3] = [8, 21, 36];

/// "José García" → "jose.garcia": ASCII letters only, for demo addresses.
fn email_local(first: &str, last: &str) -> String {
    let fold = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'á' | 'à' | 'â' | 'ä' => Some('a'),
                'é' | 'è' | 'ê' | 'ë' => Some('e'),
                'í' | 'ì' | 'î' | 'ï' => Some('i'),
                'ó' | 'ò' | 'ô' | 'ö' => Some('o'),
                'ú' | 'ù' | 'û' | 'ü' => Some('u'),
                'ñ' | 'ń' => Some('n'),
                'ć' => Some('c'),
                c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect()
    };
    format!("{}.{}", fold(first), fold(last))
}

fn user_row(
    org_id: i64,
    u: &NewUser,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    user::ActiveModel {
        org_id: Set(org_id),
        name: Set(u.name.trim().to_owned()),
        email: Set(normalize_email(&u.email)),
        title: Set(u.title.clone()),
        department: Set(u.department.clone()),
        role: Set(u.role.as_str().to_owned()),
        status: Set(u.status.as_str().to_owned()),
        password_hash: Set(password_hash),
        previous_password_hash: Set(None),
        password_changed_at: Set(u.password.as_ref().map(|_| now)),
        last_sign_in_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}

/// An account of a demo organization that signs in with a password this source publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedDemoPassword {
    pub org_name: String,
    pub email: String,
}

impl Core {
    pub(crate) async fn create_user_impl(
        &self,
        org_id: OrgId,
        new_user: NewUser,
    ) -> CoreResult<UserId> {
        if new_user.name.trim().is_empty() || !new_user.email.contains('@') {
            return Err(CoreError::InvalidInput(
                "A user needs a name and an email address.".into(),
            ));
        }
        let hash = match &new_user.password {
            Some(password) => Some(self.passwords().hash(password).await?),
            None => None,
        };
        let now = self.now();
        let inserted = user::Entity::insert(user_row(org_id, &new_user, hash, now))
            .exec(self.db())
            .await?;
        Ok(inserted.last_insert_id)
    }

    pub(crate) async fn seed_bulk_users_impl(&self, org_id: OrgId, n: u64) -> CoreResult<u64> {
        let hash = self.passwords().hash(DEMO_MEMBER_PASSWORD).await?;
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let start = user::Entity::find()
            .filter(user::Column::OrgId.eq(org_id))
            .count(&tx)
            .await?;
        let mut rows = Vec::with_capacity(1000);
        for k in start..start + n {
            let (first, last, title, department) = MEMBERS[(k % MEMBERS.len() as u64) as usize];
            let last_sign_in = (k % 3 != 0).then(|| now - Duration::minutes((k % 20_000) as i64));
            rows.push(user::ActiveModel {
                org_id: Set(org_id),
                name: Set(format!("{first} {last} {k}")),
                email: Set(format!("{}.{k}@bulk.test", email_local(first, last))),
                title: Set(Some(title.to_owned())),
                department: Set(Some(department.to_owned())),
                role: Set(Role::Member.as_str().to_owned()),
                status: Set(UserStatus::Active.as_str().to_owned()),
                password_hash: Set(Some(hash.clone())),
                previous_password_hash: Set(None),
                password_changed_at: Set(Some(now)),
                last_sign_in_at: Set(last_sign_in),
                created_at: Set(now),
                ..Default::default()
            });
            if rows.len() == rows_per_insert(&tx, 13) {
                user::Entity::insert_many(std::mem::take(&mut rows))
                    .exec_without_returning(&tx)
                    .await?;
            }
        }
        if !rows.is_empty() {
            user::Entity::insert_many(rows)
                .exec_without_returning(&tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Creates Globex Inc (an owner, an admin, two members) once, everyone with `password`.
    pub(crate) async fn seed_demo_neighbour_impl(&self, password: &str) -> CoreResult<()> {
        let exists = organization::Entity::find()
            .filter(organization::Column::Name.eq(DEMO_NEIGHBOUR_ORG_NAME))
            .one(self.db())
            .await?
            .is_some();
        if exists {
            return Ok(());
        }
        let org = self.create_organization(DEMO_NEIGHBOUR_ORG_NAME).await?;
        for (name, email, role) in [
            ("Gloria Owner", "owner@globex.test", Role::Owner),
            ("Gus Admin", DEMO_NEIGHBOUR_ADMIN_EMAIL, Role::Admin),
            ("Greta Member", "greta@globex.test", Role::Member),
            ("Gil Member", "gil@globex.test", Role::Member),
        ] {
            self.create_user(org, NewUser::member(name, email, password).with_role(role))
                .await?;
        }
        Ok(())
    }

    /// The accounts of the demo organizations that still sign in with a password this source
    /// publishes (`DEMO_ADMIN_PASSWORD`, `DEMO_MEMBER_PASSWORD`): a database seeded before the
    /// demo became opt-in with a random password (security review F3), or by a test. The demo
    /// seeds everyone with one of two hashes, so each distinct hash is checked once: a few
    /// verifications, and none when no demo organization exists.
    pub(crate) async fn published_demo_passwords_impl(
        &self,
    ) -> CoreResult<Vec<PublishedDemoPassword>> {
        let orgs = organization::Entity::find()
            .filter(organization::Column::Name.is_in([DEMO_ORG_NAME, DEMO_NEIGHBOUR_ORG_NAME]))
            .all(self.db())
            .await?;
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let accounts = user::Entity::find()
            .filter(user::Column::OrgId.is_in(orgs.iter().map(|org| org.id)))
            .filter(user::Column::Status.ne(UserStatus::Suspended.as_str()))
            .filter(user::Column::PasswordHash.is_not_null())
            .order_by_asc(user::Column::Id)
            .all(self.db())
            .await?;
        let distinct: std::collections::BTreeSet<&str> = accounts
            .iter()
            .filter_map(|account| account.password_hash.as_deref())
            .collect();
        let mut published_hashes = std::collections::BTreeSet::new();
        for hash in distinct {
            for password in [DEMO_ADMIN_PASSWORD, DEMO_MEMBER_PASSWORD] {
                if self.passwords().verify(password, hash).await? {
                    published_hashes.insert(hash);
                    break;
                }
            }
        }
        let published = accounts
            .iter()
            .filter(|account| {
                account
                    .password_hash
                    .as_deref()
                    .is_some_and(|hash| published_hashes.contains(hash))
            })
            .map(|account| PublishedDemoPassword {
                org_name: orgs
                    .iter()
                    .find(|org| org.id == account.org_id)
                    .map(|org| org.name.clone())
                    .unwrap_or_default(),
                email: account.email.clone(),
            })
            .collect();
        Ok(published)
    }

    pub(crate) async fn seed_demo_impl(
        &self,
        admin_password: &str,
        member_password: &str,
    ) -> CoreResult<DemoOrg> {
        let demo = |created| DemoOrg {
            org_name: DEMO_ORG_NAME.into(),
            admin_email: DEMO_ADMIN_EMAIL.into(),
            admin_password: admin_password.into(),
            created,
        };
        let existing =
            organization::Entity::find().filter(organization::Column::Name.eq(DEMO_ORG_NAME));
        if existing.clone().one(self.db()).await?.is_some() {
            return Ok(demo(false));
        }
        // Two hashes for everyone, not one per user: seeding stays well under a second.
        let (admin_hash, member_hash) = tokio::try_join!(
            self.passwords().hash(admin_password),
            self.passwords().hash(member_password)
        )?;
        let now = self.now();

        let tx = db::begin_write(self.db()).await?;
        // Another instance may have seeded it meanwhile.
        if existing.one(&tx).await?.is_some() {
            return Ok(demo(false));
        }
        let org_id = organization::Entity::insert(organization::ActiveModel {
            name: Set(DEMO_ORG_NAME.to_owned()),
            admin_link_ttl_minutes: Set(15),
            forgot_link_ttl_minutes: Set(30),
            created_at: Set(now - Duration::days(400)),
            ..Default::default()
        })
        .exec(&tx)
        .await?
        .last_insert_id;

        let person = |name: &str,
                      email: &str,
                      role: Role,
                      status: UserStatus,
                      title: &str,
                      department: &str| NewUser {
            name: name.into(),
            email: email.into(),
            role,
            status,
            password: Some(String::new()),
            title: Some(title.into()),
            department: Some(department.into()),
        };
        let mut people = vec![
            (
                person(
                    "Olivia Owens",
                    DEMO_OWNER_EMAIL,
                    Role::Owner,
                    UserStatus::Active,
                    "Chief Executive Officer",
                    "Leadership",
                ),
                member_hash.clone(),
            ),
            (
                person(
                    "Ada Admin",
                    DEMO_ADMIN_EMAIL,
                    Role::Admin,
                    UserStatus::Active,
                    "IT Manager",
                    "Operations",
                ),
                admin_hash,
            ),
        ];
        for (i, (first, last, title, department)) in MEMBERS.iter().enumerate() {
            let status = if SUSPENDED.contains(&i) {
                UserStatus::Suspended
            } else {
                UserStatus::Active
            };
            let email = format!("{}@acme.test", email_local(first, last));
            people.push((
                person(
                    &format!("{first} {last}"),
                    &email,
                    Role::Member,
                    status,
                    title,
                    department,
                ),
                member_hash.clone(),
            ));
        }
        let rows: Vec<user::ActiveModel> = people
            .iter()
            .enumerate()
            .map(|(i, (p, hash))| {
                let mut row = user_row(org_id, p, Some(hash.clone()), now);
                row.created_at = Set(now - Duration::days(380 - i as i64 * 7));
                row.password_changed_at = Set(Some(now - Duration::days(90 + i as i64)));
                row
            })
            .collect();
        user::Entity::insert_many(rows)
            .exec_without_returning(&tx)
            .await?;
        let users = user::Entity::find()
            .filter(user::Column::OrgId.eq(org_id))
            .order_by_asc(user::Column::Id)
            .all(&tx)
            .await?;

        self.seed_assets(&tx, org_id, &users, now).await?;
        self.seed_sign_ins(&tx, org_id, &users, now).await?;
        tx.commit().await?;
        Ok(demo(true))
    }

    async fn seed_assets(
        &self,
        db: &impl ConnectionTrait,
        org_id: i64,
        users: &[user::Model],
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        const LAPTOPS: [&str; 3] = [
            "MacBook Pro 14\" (M3)",
            "Dell XPS 13",
            "ThinkPad X1 Carbon Gen 11",
        ];
        const PHONES: [&str; 2] = ["iPhone 15", "Pixel 8"];
        let mut rows = Vec::new();
        for (i, u) in users.iter().enumerate() {
            // Most people have something; every seventh has nothing yet.
            if i % 7 == 6 {
                continue;
            }
            let assigned = now - Duration::days(300 - (i as i64 * 5));
            let mut add =
                |kind: &str, name: String, identifier: String, assigned_at: DateTime<Utc>| {
                    rows.push(asset::ActiveModel {
                        org_id: Set(org_id),
                        owner_id: Set(u.id),
                        kind: Set(kind.to_owned()),
                        name: Set(name),
                        identifier: Set(identifier),
                        assigned_at: Set(assigned_at),
                        ..Default::default()
                    });
                };
            add(
                "Laptop",
                LAPTOPS[i % LAPTOPS.len()].to_owned(),
                format!("SN-C02{:05}X{}", 31_337 + i * 97, i % 10),
                assigned,
            );
            if i % 2 == 0 {
                add(
                    "Phone",
                    PHONES[i % PHONES.len()].to_owned(),
                    format!("IMEI 35{:013}", 4_821_937_100 + i as u64 * 7_919),
                    assigned + Duration::days(3),
                );
            }
            add(
                "License",
                "Microsoft 365 E3".to_owned(),
                format!("Key …{:04X}-{:04X}", 0x3A7 + i * 131, 0xB12 + i * 17),
                assigned,
            );
            if i % 3 == 0 {
                add(
                    "License",
                    "Figma Professional".to_owned(),
                    format!("Seat {}", 100 + i),
                    assigned + Duration::days(10),
                );
            }
        }
        for chunk in rows.chunks(rows_per_insert(db, 6)) {
            asset::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    async fn seed_sign_ins(
        &self,
        db: &impl ConnectionTrait,
        org_id: i64,
        users: &[user::Model],
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let mut events = Vec::new();
        let mut last_seen = Vec::new();
        for (i, u) in users.iter().enumerate() {
            if u.status() == Some(UserStatus::Suspended) || i % 5 == 4 {
                continue;
            }
            let mut latest = None;
            // A few sign-ins over the past days, at plausible office hours.
            for day in (0..4).rev() {
                if (i + day) % 3 == 2 {
                    continue;
                }
                let at =
                    now - Duration::days(day as i64 + 1) + Duration::minutes((i * 37 % 480) as i64);
                events.push((
                    at,
                    NewActivity {
                        org_id,
                        actor_id: Some(u.id),
                        actor_label: None,
                        subject_id: Some(u.id),
                        kind: ActivityKind::SignedIn,
                        details: "Signed in".into(),
                        ip: Some(format!("203.0.113.{}", 10 + i)),
                    },
                ));
                latest = Some(at);
            }
            if let Some(at) = latest {
                last_seen.push((u.id, at));
            }
        }
        if let Some(u) = users.get(5) {
            events.push((
                now - Duration::hours(20),
                NewActivity {
                    org_id,
                    actor_id: Some(u.id),
                    actor_label: None,
                    subject_id: Some(u.id),
                    kind: ActivityKind::SignInFailed,
                    details: "Sign-in failed: wrong password".into(),
                    ip: Some("198.51.100.23".into()),
                },
            ));
        }
        events.sort_by_key(|(at, _)| *at);
        for (at, event) in events {
            activity::record_one(db, event, crate::clock::truncate(at)).await?;
        }
        for (id, at) in last_seen {
            let mut sql = db::Sql::new("UPDATE users SET last_sign_in_at = ");
            sql.bind(crate::clock::truncate(at))
                .push(" WHERE id = ")
                .bind(id);
            sql.execute(db).await?;
        }
        Ok(())
    }
}
