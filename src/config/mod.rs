//! The configuration: its schema, the tree of statements, and what is done
//! with it (edits, text and set formats, comparison, validation, storage).

pub mod compare;
pub mod conceal;
pub mod delta;
pub mod editors;
pub mod expression;
pub mod generate;
pub mod inherit;
pub mod json;
mod lines;
pub mod load;
pub mod path;
pub mod print;
pub mod protect;
#[cfg(test)]
pub mod random;
pub mod schema;
pub mod show;
pub mod store;
pub mod sym;
pub mod tree;
pub mod validate;
pub mod version;
pub mod wire;
pub mod xml;
