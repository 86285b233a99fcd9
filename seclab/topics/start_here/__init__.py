"""Topic of lesson 00 Start Here: only its quiz (quiz.toml); no demo code, no exercise."""
