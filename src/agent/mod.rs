//! The managed agent: talking to a GLPI / FusionInventory server and running the tasks it hands
//! out. So far only the messages ([`protocol`]); transport and scheduling come later.

pub mod protocol;
