//! The Matrix side: identity and stores ([`session`]), what to do with an event
//! ([`incoming`]), and the running bot ([`bot`]).

pub mod bot;
pub mod incoming;
pub mod session;
