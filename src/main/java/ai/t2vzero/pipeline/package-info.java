/** The video pipelines of Text2Video-Zero (arXiv 2303.13439) and their building blocks (motion field warp, ...). */
package ai.t2vzero.pipeline;
