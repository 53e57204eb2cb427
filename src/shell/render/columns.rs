//! Junos's columnar output, laid out by comfy-table: no borders, each
//! column at least as wide as the router makes it (a longer value widens
//! its column rather than pushing one row out of line), and each line
//! ending where its text does.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

/// One column: the spaces before it, its least width, and the side its
/// values keep to.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    gap: u16,
    width: u16,
    right: bool,
}

impl Column {
    pub const fn left(width: u16) -> Column {
        Column { gap: 0, width, right: false }
    }

    pub const fn right(width: u16) -> Column {
        Column { gap: 0, width, right: true }
    }

    /// The same column after `gap` spaces.
    pub const fn after(self, gap: u16) -> Column {
        Column { gap, ..self }
    }
}

pub struct Columns {
    table: Table,
    columns: Vec<Column>,
}

impl Columns {
    pub fn new(columns: &[Column]) -> Columns {
        let mut table = Table::new();
        table
            .load_preset(comfy_table::presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
        Columns { table, columns: columns.to_vec() }
    }

    /// A row of cells, one a column from the first; missing ones are empty.
    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Columns {
        let mut cells: Vec<String> = cells.into_iter().map(|c| c.to_string()).collect();
        cells.resize(self.columns.len().max(cells.len()), String::new());
        self.table.add_row(cells);
        self
    }

    /// The rows as lines, each ending in a newline; nothing without rows.
    pub fn render(mut self) -> String {
        for (column, shape) in self.table.column_iter_mut().zip(&self.columns) {
            column.set_padding((shape.gap, 0));
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(shape.width + shape.gap)));
            column.set_cell_alignment(if shape.right { CellAlignment::Right } else { CellAlignment::Left });
        }
        let mut out = String::new();
        for line in self.table.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_pad_to_their_width_keep_their_side_and_lines_end_with_their_text() {
        let mut table = Columns::new(&[Column::right(3), Column::left(6).after(2), Column::left(0)]);
        table.row(["1", "up", "x"]).row(["22", "", ""]).row(["333", "down", "last"]);
        assert_eq!(table.render(), "  1  up    x\n 22\n333  down  last\n");
    }

    #[test]
    fn a_longer_value_widens_its_column() {
        let mut table = Columns::new(&[Column::left(4), Column::left(0)]);
        table.row(["ab", "1"]).row(["abcdef", "2"]);
        assert_eq!(table.render(), "ab    1\nabcdef2\n");
    }
}
