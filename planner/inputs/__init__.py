"""What a scenario is made of: readers of the user's files (more modules move here with the layout)."""
