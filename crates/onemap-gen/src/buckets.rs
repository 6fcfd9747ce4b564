//! A uniform grid of buckets for "what is near this point" over many small shapes.

use geo::{Coord, Rect};

/// Ids of shapes filed under every grid cell their bounding box touches.
#[derive(Debug, Clone)]
pub struct Buckets {
    origin: Coord,
    cell: f64,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<u32>>,
}

impl Buckets {
    /// An empty grid covering `bounds` with square cells of `cell` metres.
    pub fn new(bounds: Rect, cell: f64) -> Self {
        let cols = ((bounds.width() / cell).ceil() as usize).max(1) + 1;
        let rows = ((bounds.height() / cell).ceil() as usize).max(1) + 1;
        Buckets {
            origin: bounds.min(),
            cell,
            cols,
            rows,
            cells: vec![Vec::new(); cols * rows],
        }
    }

    fn clamp_col(&self, x: f64) -> usize {
        (((x - self.origin.x) / self.cell).floor().max(0.0) as usize).min(self.cols - 1)
    }

    fn clamp_row(&self, y: f64) -> usize {
        (((y - self.origin.y) / self.cell).floor().max(0.0) as usize).min(self.rows - 1)
    }

    /// Files `id` under every cell meeting the square of half-side `reach` around `centre`.
    pub fn insert(&mut self, id: u32, centre: Coord, reach: f64) {
        for row in self.clamp_row(centre.y - reach)..=self.clamp_row(centre.y + reach) {
            for col in self.clamp_col(centre.x - reach)..=self.clamp_col(centre.x + reach) {
                self.cells[row * self.cols + col].push(id);
            }
        }
    }

    /// Ids filed under the cell holding `p`.
    pub fn at(&self, p: Coord) -> &[u32] {
        &self.cells[self.clamp_row(p.y) * self.cols + self.clamp_col(p.x)]
    }

    /// Ids filed under any cell meeting the square of half-side `reach` around `p` (an id may
    /// repeat when it spans cells).
    pub fn around(&self, p: Coord, reach: f64) -> impl Iterator<Item = u32> + '_ {
        let (r0, r1) = (self.clamp_row(p.y - reach), self.clamp_row(p.y + reach));
        let (c0, c1) = (self.clamp_col(p.x - reach), self.clamp_col(p.x + reach));
        (r0..=r1).flat_map(move |r| {
            (c0..=c1).flat_map(move |c| self.cells[r * self.cols + c].iter().copied())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_filed_is_found_around_it_and_not_far_away() {
        let mut b = Buckets::new(
            Rect::new(
                Coord { x: 0.0, y: 0.0 },
                Coord {
                    x: 1000.0,
                    y: 1000.0,
                },
            ),
            100.0,
        );
        b.insert(7, Coord { x: 450.0, y: 450.0 }, 0.0);
        assert_eq!(b.at(Coord { x: 420.0, y: 480.0 }), &[7]);
        assert!(b.at(Coord { x: 50.0, y: 50.0 }).is_empty());
        assert_eq!(
            b.around(Coord { x: 350.0, y: 350.0 }, 100.0)
                .collect::<Vec<_>>(),
            vec![7]
        );
    }
}
