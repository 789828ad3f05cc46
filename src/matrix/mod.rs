//! The Matrix side: identity and stores ([`session`]), what to do with an event
//! ([`incoming`]), the running bot ([`bot`]), and the operator's `login` and `doctor`
//! ([`doctor`]).

pub mod bot;
pub mod doctor;
pub mod fault;
pub mod forget;
pub mod health;
pub mod incoming;
pub mod invites;
pub mod outbox;
pub mod room_keys;
pub mod session;
